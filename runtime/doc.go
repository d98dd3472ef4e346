// Package runtime will run replicas of the spec for real: a Node per
// replica with a TCP transport, ticks driving the timeouts, client
// sessions, the application's state machine and storage. It performs the
// effects of the generated handlers in a documented order.
//
// Nothing lives here yet. Unlike spec/ and generated/, this package may use
// the network, the clock and goroutines.
package runtime
