print("gantry-devcluster")
