// Package examples holds runnable programs that show each use of the
// project: normalop drives a three-replica cluster through normal operation
// with the generated handlers and prints every message.
package examples
