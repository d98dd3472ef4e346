// Package tla holds the TLA+ mirror of the spec (VSR.tla), the trace
// module that checks a trace against it (VSRTrace.tla), TLC
// configurations for the checker's named configurations (MC_*.cfg), and
// the Go side of running TLC on them.
//
// TLC is not a Go dependency: the functions that run it take the path of a
// tla2tools.jar, which callers read from the environment variable
// TLA2TOOLS_JAR.
package tla

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Files holds VSR.tla, VSRTrace.tla and the MC_*.cfg configurations.
//
//go:embed VSR.tla VSRTrace.tla MC_*.cfg
var Files embed.FS

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

// Params are the constants of VSR.tla: a bounded configuration of the
// model checker.
type Params struct {
	Replicas, Clients, Values int
	// Timeout limits; -1 is unbounded.
	ViewChangeTimeouts, CommitTimeouts, RecoveryTimeouts int
	Drops, Duplicates, Crashes, MaxDown                  int
	StateTransfer                                        string // "Fixed" or "Paper"
	Recovery                                             string // "CrashVectors" or "Paper"
	StartViewInNormal                                    bool
	// MaxDepth, when positive, bounds the search to the states at most
	// that many steps from the initial state.
	MaxDepth int
	// Symmetry reduces by permutations of the values.
	Symmetry bool
}

// Invariants and Properties are what every configuration checks: the
// spec's invariants and its action properties.
var (
	Invariants = []string{"CommitNumberAtMostOpNumber", "CommittedPrefixesAgree",
		"NormalLogMatchesPrimary", "ExecutedAtMostOnce", "AcknowledgedNotLost"}
	Properties = []string{"AlwaysViewNeverDecreases", "AlwaysCommitNeverDecreases"}
)

// Config renders p as a TLC configuration of VSR.tla, headed by the
// comment lines in comment.
func Config(p Params, comment string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(comment), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintf(&b, "\\* %s\n", line)
		}
	}
	limit := func(n int) int { return max(n, 0) }
	var unbounded []string
	for _, t := range []struct {
		name  string
		limit int
	}{{"CommitTimeout", p.CommitTimeouts}, {"ViewChangeTimeout", p.ViewChangeTimeouts}, {"RecoveryTimeout", p.RecoveryTimeouts}} {
		if t.limit < 0 {
			unbounded = append(unbounded, strconv.Quote(t.name))
		}
	}
	var values []string
	for i := 1; i <= p.Values; i++ {
		values = append(values, fmt.Sprintf("v%d", i))
	}
	fmt.Fprintf(&b, "CONSTANTS\n")
	for _, c := range []struct {
		name  string
		value string
	}{
		{"NumReplicas", strconv.Itoa(p.Replicas)},
		{"NumClients", strconv.Itoa(p.Clients)},
		{"Values", "{" + strings.Join(values, ", ") + "}"},
		{"ViewChangeTimeouts", strconv.Itoa(limit(p.ViewChangeTimeouts))},
		{"CommitTimeouts", strconv.Itoa(limit(p.CommitTimeouts))},
		{"RecoveryTimeouts", strconv.Itoa(limit(p.RecoveryTimeouts))},
		{"UnboundedTimeouts", "{" + strings.Join(unbounded, ", ") + "}"},
		{"Drops", strconv.Itoa(p.Drops)},
		{"Duplicates", strconv.Itoa(p.Duplicates)},
		{"Crashes", strconv.Itoa(p.Crashes)},
		{"MaxDown", strconv.Itoa(p.MaxDown)},
		{"StateTransfer", strconv.Quote(p.StateTransfer)},
		{"Recovery", strconv.Quote(p.Recovery)},
		{"StartViewInNormal", strings.ToUpper(strconv.FormatBool(p.StartViewInNormal))},
		{"MaxDepth", strconv.Itoa(p.MaxDepth)},
	} {
		fmt.Fprintf(&b, "    %s = %s\n", c.name, c.value)
	}
	fmt.Fprintf(&b, "INIT Init\nNEXT Next\n")
	fmt.Fprintf(&b, "CONSTRAINT WithinDepth\n")
	if p.Symmetry {
		fmt.Fprintf(&b, "SYMMETRY ValuePermutations\n")
	}
	fmt.Fprintf(&b, "INVARIANTS\n")
	for _, inv := range Invariants {
		fmt.Fprintf(&b, "    %s\n", inv)
	}
	fmt.Fprintf(&b, "PROPERTIES\n")
	for _, prop := range Properties {
		fmt.Fprintf(&b, "    %s\n", prop)
	}
	fmt.Fprintf(&b, "CHECK_DEADLOCK FALSE\n")
	return b.String()
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
		b, err := Files.ReadFile(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
