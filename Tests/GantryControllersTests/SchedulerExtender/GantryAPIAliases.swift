// GantryAPI and GantryScheduling both name a ThermalPolicy, and the GantryAPI module has a type named GantryAPI,
// which makes `GantryAPI.ThermalPolicy` unspellable; this file sees only GantryAPI's.

import GantryAPI

typealias PoolThermalPolicy = ThermalPolicy
typealias PoolThermalThreshold = ThermalThreshold
