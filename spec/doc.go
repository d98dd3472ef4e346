// Package spec is Viewstamped Replication Revisited (Liskov and Cowling,
// MIT-CSAIL-TR-2012-021) written once, as plain Go: the protocol's number
// types, its messages, the replica's whole state, the rules as guarded
// commands and the invariants. vsrgen compiles it into generated/.
//
// Read it as the protocol document: each rule is a type whose Guard and
// Apply sit together, with the paper section it implements in its marker
// comment. The marker comments are listed in package lang.
//
// The package is deterministic: it must never import net, os, time, sync or
// math/rand, and it never starts goroutines. Messages are immutable once
// emitted: a rule may keep a message's byte slices but never changes them.
package spec

//go:generate go run -tags vsrgen_bootstrap ../cmd/vsrgen gen -spec . -out ../generated
