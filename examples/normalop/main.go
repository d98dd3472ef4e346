// Command normalop runs a three-replica cluster through normal operation
// (VR Revisited, 4.1) with the generated handlers and prints the message
// sequence: client requests, Prepares, PrepareOKs, commits and replies,
// then each replica's state and the invariants' verdict.
//
//	go run ./examples/normalop [-replicas 3] [-requests 3]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/viewstamped/vsr/internal/scenario"
	"github.com/viewstamped/vsr/spec"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("normalop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	replicas := fs.Int("replicas", 3, "number of replicas, odd, 3 to 63")
	requests := fs.Int("requests", 3, "number of client requests, 1 to 100")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *replicas < 3 || *replicas > 63 || *replicas%2 == 0 || *requests < 1 || *requests > 100 {
		fmt.Fprintln(stderr, "normalop: -replicas must be odd, 3 to 63, and -requests 1 to 100")
		fs.Usage()
		return 2
	}
	c := scenario.New(spec.Config{Replicas: uint8(*replicas)})
	fmt.Fprintf(stdout, "normal operation: %d replicas, %d requests from %d clients\n", *replicas, *requests, 2)
	for i := 1; i <= *requests; i++ {
		client := spec.ClientID(1 + (i-1)%2)
		req := spec.RequestNumber(1 + (i-1)/2)
		e := c.Request(client, req, fmt.Sprintf("op%d", i), 0)
		fmt.Fprintln(stdout, "submit "+e.String())
		for _, line := range c.Stabilize() {
			fmt.Fprintln(stdout, line)
		}
	}
	fmt.Fprintln(stdout, "the idle primary announces its commit-number:")
	lines, err := c.Timeout(0, spec.CommitTimeout{})
	if err != nil {
		fmt.Fprintln(stderr, "normalop:", err)
		return 1
	}
	lines = append(lines, c.Stabilize()...)
	for _, line := range lines {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintln(stdout, "state:")
	for _, line := range c.StateLines() {
		fmt.Fprintln(stdout, "  "+line)
	}
	fmt.Fprintf(stdout, "replies received: %d\n", len(c.Replies))
	if err := c.Check(); err != nil {
		fmt.Fprintln(stdout, "invariants: VIOLATED:", err)
		return 1
	}
	fmt.Fprintln(stdout, "invariants: all hold")
	return 0
}
