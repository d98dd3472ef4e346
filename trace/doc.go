// Package trace is the home of traces, in the format of spec/tla/TRACE.md:
// a header with the bounded configuration, then one line per step of a
// behavior of the spec, with the acting replica's state after it, as
// ndjson that TLC's Json module reads too.
//
//	file.go     the format: Header, Line, Read, Write; a header is a
//	            bounded.Config
//	render.go   the VR spec's values as JSON objects, keys in a fixed order
//	lines.go    the steps of a behavior (modelcheck.Steps) as trace lines,
//	            with Lamport clocks (lamport.go)
//	replay.go   a trace replayed through the model checker's semantics
//	            (modelcheck.Behavior): the first line that is no step
//	vsr.go      Export and Validate, the two for the VR spec
//
// Lines and Replay work for any protocol the model checker explores, given
// a Renderer; the rest is the VR spec's.
//
// Every integer of a trace is below 2^31, since TLC's Json module would
// truncate a larger one silently: the writers refuse one.
package trace
