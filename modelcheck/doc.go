// Package modelcheck will be the exhaustive small-scope model checker: a
// breadth-first, depth-first and random-walk search over every
// interleaving of a bounded cluster of generated replicas, with
// fingerprints, symmetry reduction, invariant checks, rule coverage and
// shortest counterexamples. The protocol-specific half (global state,
// successor function) is generated into generated/.
//
// Nothing lives here yet.
package modelcheck
