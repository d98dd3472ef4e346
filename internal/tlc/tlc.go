// Package tlc runs TLC, the TLA+ model checker, on the TLA+ mirror of the
// spec (spec/tla): it renders TLC configurations of bounded
// configurations, runs TLC and reads its verdict and state counts, and
// validates traces with VSRTrace.tla. The tests here compare VSR.tla with
// the Go spec: its actions with the rules (the mirror), its state counts
// with the Go checker's (parity), and its verdicts on the trace corpus
// with the Go replay's.
//
// TLC is not a Go dependency: the functions that run it take the path of a
// tla2tools.jar, which callers read from the environment variable
// TLA2TOOLS_JAR.
package tlc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec/tla"
)

// JarEnv names the environment variable that holds the path of
// tla2tools.jar.
const JarEnv = "TLA2TOOLS_JAR"

// Jar returns the path of tla2tools.jar from the environment, or an error
// that says why TLC cannot run.
func Jar() (string, error) {
	jar := os.Getenv(JarEnv)
	if jar == "" {
		return "", fmt.Errorf("%s is not set", JarEnv)
	}
	if _, err := os.Stat(jar); err != nil {
		return "", fmt.Errorf("%s: %w", JarEnv, err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return "", fmt.Errorf("java is not on the PATH: %w", err)
	}
	return jar, nil
}

// Invariants and Properties are what every configuration checks: the
// spec's invariants, and its action properties as VSR.tla states them
// (AlwaysX == [][X]_vars).
func Invariants() []string {
	var names []string
	for _, inv := range generated.Invariants {
		names = append(names, inv.Name)
	}
	return names
}

// Properties returns the action properties of VSR.tla; see Invariants.
func Properties() []string {
	var names []string
	for _, a := range generated.Actions {
		names = append(names, "Always"+a.Name)
	}
	return names
}

// Config renders c as a TLC configuration of VSR.tla, headed by the
// comment lines in comment.
func Config(c bounded.Config, comment []string) string {
	var b strings.Builder
	for _, line := range comment {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintf(&b, "\\* %s\n", line)
		}
	}
	fmt.Fprintf(&b, "CONSTANTS\n")
	for _, k := range c.TLCConstants() {
		fmt.Fprintf(&b, "    %s = %s\n", k.Name, k.Value)
	}
	fmt.Fprintf(&b, "INIT Init\nNEXT Next\n")
	fmt.Fprintf(&b, "CONSTRAINT WithinDepth\n")
	if c.Symmetry {
		fmt.Fprintf(&b, "SYMMETRY ValuePermutations\n")
	}
	writeChecks(&b)
	return b.String()
}

// writeChecks writes the invariants and properties every configuration
// checks, and turns off deadlock checking: a behavior of the checker's
// bounded environment may end anywhere.
func writeChecks(b *strings.Builder) {
	fmt.Fprintf(b, "INVARIANTS\n")
	for _, inv := range Invariants() {
		fmt.Fprintf(b, "    %s\n", inv)
	}
	fmt.Fprintf(b, "PROPERTIES\n")
	for _, prop := range Properties() {
		fmt.Fprintf(b, "    %s\n", prop)
	}
	fmt.Fprintf(b, "CHECK_DEADLOCK FALSE\n")
}

// Result is what a TLC run reported.
type Result struct {
	Distinct, Generated uint64
	Depth               int
	// Violation is TLC's error message when it found one, with the
	// name of what broke; empty when the search completed clean.
	Violation string
	Elapsed   time.Duration
	Output    string
}

var (
	statesRe = regexp.MustCompile(`(?m)^([\d,]+) states generated, ([\d,]+) distinct states found`)
	depthRe  = regexp.MustCompile(`(?m)^The depth of the complete state graph search is (\d+)`)
	errorRe  = regexp.MustCompile(`(?m)^Error: (.*)$`)
)

// Run runs TLC with the given number of workers on module (a .tla file
// in dir) with configuration cfg (a file in dir), in dir, and parses what
// it reports. A violation is a Result, not an error; an error means TLC
// did not check the model (a parse error, a crash, a missing jar).
func Run(ctx context.Context, jar, dir, module, cfg string, workers int) (*Result, error) {
	meta, err := os.MkdirTemp("", "tlc-states-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(meta)
	args := []string{"-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC",
		"-workers", strconv.Itoa(max(workers, 1)), "-nowarning", "-cleanup",
		"-metadir", meta, "-config", cfg, module}
	cmd := exec.CommandContext(ctx, "java", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	runErr := cmd.Run()
	res := &Result{Elapsed: time.Since(start), Output: out.String()}
	if m := statesRe.FindStringSubmatch(res.Output); m != nil {
		res.Generated = parseCount(m[1])
		res.Distinct = parseCount(m[2])
	}
	if m := depthRe.FindStringSubmatch(res.Output); m != nil {
		res.Depth, _ = strconv.Atoi(m[1])
	}
	if m := errorRe.FindStringSubmatch(res.Output); m != nil {
		res.Violation = violation(res.Output, m[1])
	}
	switch {
	case res.Violation != "" && isModelError(res.Violation):
		return res, fmt.Errorf("tlc: %s", res.Violation)
	case res.Violation == "" && runErr != nil:
		var exit *exec.ExitError
		if errors.As(runErr, &exit) {
			return res, fmt.Errorf("tlc exited with status %d:\n%s", exit.ExitCode(), tail(res.Output, 30))
		}
		return res, fmt.Errorf("tlc: %w", runErr)
	case res.Violation == "" && res.Distinct == 0:
		return res, fmt.Errorf("tlc reported no states:\n%s", tail(res.Output, 30))
	}
	return res, nil
}

// violationRes match what TLC reports of a violation it found.
var violationRes = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^Error: Invariant (\w+) is violated`),
	regexp.MustCompile(`(?m)^Error: Action property (\w+) is violated`),
	regexp.MustCompile(`(?m)^Error: Temporal properties were violated`),
}

// violation names what TLC found broken, from its first error message.
func violation(output, first string) string {
	for _, re := range violationRes {
		if m := re.FindStringSubmatch(output); m != nil {
			return strings.TrimPrefix(m[0], "Error: ")
		}
	}
	return first
}

// isModelError reports whether TLC's message is a fault of the model, not
// a violation it found.
func isModelError(msg string) bool {
	for _, v := range []string{"Invariant", "Action property", "Temporal properties"} {
		if strings.HasPrefix(msg, v) && strings.Contains(msg, "violated") {
			return false
		}
	}
	// A false assumption is a violation only for VSRTrace's
	// POSTCONDITION and assumptions, which ValidateTrace tells apart.
	return !(strings.HasPrefix(msg, "Assumption") && strings.HasSuffix(msg, "is false."))
}

func parseCount(s string) uint64 {
	n, _ := strconv.ParseUint(strings.ReplaceAll(s, ",", ""), 10, 64)
	return n
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// WriteModules writes the embedded .tla files into dir, where TLC finds
// them.
func WriteModules(dir string) error {
	for _, name := range []string{"VSR.tla", "VSRTrace.tla"} {
		b, err := tla.Modules.ReadFile(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
