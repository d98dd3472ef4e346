// Package trace reads and writes the trace format of spec/tla/TRACE.md: a
// header, then one line per step of a behavior of the spec, with the acting
// replica's state after it, as ndjson that TLC's Json module reads too. It
// renders the spec's values as JSON objects with their keys in a fixed
// order, exports the paths the model checker finds, and validates a trace
// against the spec by replaying it through the checker's own semantics
// (modelcheck.Replay).
//
// Every integer of a trace is below 2^31, since TLC's Json module would
// truncate a larger one silently: the writers refuse one.
package trace
