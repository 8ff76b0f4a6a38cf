// Store: indexes, relist swap with deletions noticed, transforms, unknown fields, concurrent readers.

import Foundation
import KubeCore
import Synchronization
import Testing
@testable import KubeRuntime

struct StoreTests {
    static let ownerA = OwnerReference(apiVersion: "test.gantry.dev/v1", kind: "Widget", name: "a", uid: "owner-a", controller: true)
    static let ownerB = OwnerReference(apiVersion: "test.gantry.dev/v1", kind: "Widget", name: "b", uid: "owner-b", controller: true)

    func makeStore() -> Store<Widget> {
        Store(indexes: [.ownerUID, .label("team"), .nodeName { $0.spec?.node }, .namespace])
    }

    @Test func indexesFollowUpdatesAndDeletions() {
        let store = makeStore()
        store.apply(.applied(Widget("w1", labels: ["team": "red"], owner: Self.ownerA, node: "n1")))
        store.apply(.applied(Widget("w2", labels: ["team": "red"], owner: Self.ownerA, node: "n2")))
        store.apply(.applied(Widget("w3", namespace: "other", labels: ["team": "blue"], owner: Self.ownerB)))
        #expect(Set(store.byIndex("ownerUID", "owner-a").map(\.name)) == ["w1", "w2"])
        #expect(Set(store.byIndex("label:team", "red").map(\.name)) == ["w1", "w2"])
        #expect(store.byIndex("nodeName", "n2").map(\.name) == ["w2"])
        #expect(store.byIndex("namespace", "other").map(\.name) == ["w3"])

        // w2 moves team, owner and node.
        store.apply(.applied(Widget("w2", rv: "2", labels: ["team": "blue"], owner: Self.ownerB, node: "n1")))
        #expect(store.byIndex("ownerUID", "owner-a").map(\.name) == ["w1"])
        #expect(Set(store.byIndex("label:team", "blue").map(\.name)) == ["w2", "w3"])
        #expect(Set(store.byIndex("nodeName", "n1").map(\.name)) == ["w1", "w2"])
        #expect(store.byIndex("nodeName", "n2").isEmpty)

        store.apply(.deleted(Widget("w1")))
        #expect(store.byIndex("ownerUID", "owner-a").isEmpty)
        #expect(store.snapshot().indexValues("ownerUID") == ["owner-b"])
        #expect(store.get(namespace: "default", name: "w1") == nil)
        #expect(store.count == 2)
    }

    @Test func relistSwapsAtOnceAndReportsWhatChangedMeanwhile() {
        let store = makeStore()
        store.apply(.initStarted)
        for name in ["keep", "change", "gone"] { store.apply(.initApply(Widget(name, owner: Self.ownerA))) }
        #expect(!store.isSynced)
        #expect(store.count == 0)
        let first = store.apply(.initDone)
        #expect(first.count == 3)
        #expect(store.isSynced)

        // A relist after a 410: until initDone readers still see the old contents.
        store.apply(.initStarted)
        store.apply(.initApply(Widget("keep", owner: Self.ownerA)))
        store.apply(.initApply(Widget("change", rv: "7", owner: Self.ownerB)))
        store.apply(.initApply(Widget("new", owner: Self.ownerA)))
        #expect(Set(store.keys.map(\.name)) == ["keep", "change", "gone"])
        let changes = store.apply(.initDone)
        var summary: [String: String] = [:]
        for change in changes {
            switch change {
            case .added(let w): summary[w.name] = "added"
            case .updated(_, let w): summary[w.name] = "updated"
            case .deleted(let w): summary[w.name] = "deleted"
            }
        }
        #expect(summary == ["change": "updated", "new": "added", "gone": "deleted"])
        #expect(Set(store.keys.map(\.name)) == ["keep", "change", "new"])
        #expect(Set(store.byIndex("ownerUID", "owner-a").map(\.name)) == ["keep", "new"])
        #expect(store.byIndex("ownerUID", "owner-b").map(\.name) == ["change"])
    }

    @Test func duplicateVersionsChangeNothing() {
        let store = makeStore()
        #expect(store.apply(.applied(Widget("w", rv: "5"))).count == 1)
        #expect(store.apply(.applied(Widget("w", rv: "5"))).isEmpty)
        #expect(store.apply(.deleted(Widget("missing"))).isEmpty)
    }

    @Test func managedFieldsAreStrippedAndUnknownFieldsKept() throws {
        let json = #"""
        {"apiVersion":"test.gantry.dev/v1","kind":"Widget","metadata":{"name":"w","namespace":"default","resourceVersion":"3",
         "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:spec":{}}}]},
         "spec":{"size":2,"futureField":{"x":1}},"status":{"phase":"Ready"}}
        """#
        let widget = try JSONValueDecoder().decode(Widget.self, from: Array(json.utf8))
        #expect(widget.metadata.managedFields?.count == 1)
        let store = makeStore()
        store.apply(.applied(widget))
        let cached = try #require(store.get(ObjectKey("default/w")))
        #expect(cached.metadata.managedFields == nil)
        let written = try JSONValueEncoder().encode(cached)
        #expect(written["spec"]?["futureField"]?["x"] == 1)
        #expect(written["status"]?["phase"] == "Ready")

        let keeping = Store<Widget>(transform: nil)
        keeping.apply(.applied(widget))
        #expect(keeping.get(ObjectKey("default/w"))?.metadata.managedFields?.count == 1)
    }

    @Test func indexAddedLaterCoversExistingObjects() {
        let store = Store<Widget>()
        store.apply(.applied(Widget("w1", labels: ["team": "red"])))
        store.addIndex(.label("team"))
        #expect(store.byIndex("label:team", "red").map(\.name) == ["w1"])
    }

    @Test func waitUntilSyncedReturnsAfterTheFirstList() async {
        let store = makeStore()
        let waiter = Task { await store.waitUntilSynced(); return store.isSynced }
        store.apply(.initStarted)
        store.apply(.initApply(Widget("w")))
        store.apply(.initDone)
        #expect(await waiter.value)
        let cancelled = Task { await Store<Widget>().waitUntilSynced() }
        cancelled.cancel()
        await cancelled.value
    }

    @Test func indexesStayConsistentUnderConcurrentReadersAndAWriter() async {
        let store = makeStore()
        let owners = (0..<8).map { OwnerReference(apiVersion: "v1", kind: "Widget", name: "o\($0)", uid: "o\($0)") }
        let inconsistencies = TestBox(0)
        let reads = TestBox(0)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<20_000 {
                    let name = "w\(i % 500)"
                    if i % 11 == 0 {
                        store.apply(.deleted(Widget(name)))
                    } else {
                        let owner = owners[(i / 7) % owners.count]
                        store.apply(.applied(Widget(name, rv: "\(i)", labels: ["team": "t\(i % 3)"], owner: owner)))
                    }
                    if i % 1000 == 0 { await Task.yield() }
                }
            }
            for r in 0..<3 {
                group.addTask {
                    for i in 0..<3000 {
                        let owner = owners[(i + r) % owners.count]
                        // Every object an index returns must really be filed under that value.
                        let byOwner = store.byIndex("ownerUID", owner.uid)
                        let snapshot = store.snapshot()
                        let team = "t\(i % 3)"
                        let byTeam = snapshot.byIndex("label:team", team)
                        var bad = byOwner.filter { $0.metadata.ownerReferences?.first?.uid != owner.uid }.count
                        bad += byTeam.filter { $0.metadata.labels?["team"] != team }.count
                        if bad > 0 { inconsistencies.withLock { $0 += bad } }
                        reads.withLock { $0 += 1 }
                        if i % 100 == 0 { await Task.yield() }
                    }
                }
            }
        }
        #expect(inconsistencies.withLock { $0 } == 0)
        #expect(reads.withLock { $0 } == 9000)
        // After the writer: every index equals one rebuilt from scratch.
        let snapshot = store.snapshot()
        for owner in owners {
            let expected = Set(snapshot.all.filter { $0.metadata.ownerReferences?.first?.uid == owner.uid }.map(\.key))
            #expect(Set(store.keys(index: "ownerUID", value: owner.uid)) == expected)
        }
        let indexedKeys = snapshot.indexValues("label:team").flatMap { store.keys(index: "label:team", value: $0) }
        #expect(Set(indexedKeys) == Set(snapshot.keys))
        #expect(indexedKeys.count == snapshot.count)
    }
}
