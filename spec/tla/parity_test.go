package tla_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/spec/tla"
)

// parityConfigs are the bounded configurations on which TLC and the Go
// checker must find the same number of distinct states and the same
// verdict. They are small enough for TLC to exhaust in minutes.
var parityConfigs = []struct {
	name   string
	params tla.Params
}{
	{"standard, depth 10", tla.Params{Replicas: 3, Clients: 1, Values: 2, ViewChangeTimeouts: 2, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors", MaxDepth: 10}},
	{"startview-fixed", tla.Params{Replicas: 3, Clients: 1, Values: 2, ViewChangeTimeouts: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors"}},
	{"crash and recovery", tla.Params{Replicas: 3, Clients: 1, Values: 2, Crashes: 1, RecoveryTimeouts: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors"}},
	{"crash and recovery, paper", tla.Params{Replicas: 3, Clients: 1, Values: 2, Crashes: 1, RecoveryTimeouts: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "Paper"}},
	{"loss", tla.Params{Replicas: 3, Clients: 1, Values: 1, ViewChangeTimeouts: 1, Drops: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors"}},
	{"loss and duplication", tla.Params{Replicas: 3, Clients: 1, Values: 2, Drops: 1, Duplicates: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors"}},
	{"state transfer, paper, depth 9", tla.Params{Replicas: 3, Clients: 1, Values: 2, ViewChangeTimeouts: 2, MaxDown: 1,
		StateTransfer: "Paper", Recovery: "CrashVectors", MaxDepth: 9}},
	{"commit timeouts unbounded", tla.Params{Replicas: 3, Clients: 1, Values: 2, CommitTimeouts: -1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors"}},
	{"two clients", tla.Params{Replicas: 3, Clients: 2, Values: 2, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors"}},
	{"five replicas, depth 7", tla.Params{Replicas: 5, Clients: 1, Values: 1, ViewChangeTimeouts: 1, MaxDown: 2,
		StateTransfer: "Fixed", Recovery: "CrashVectors", MaxDepth: 7}},
	{"startview-fixed, symmetry", tla.Params{Replicas: 3, Clients: 1, Values: 2, ViewChangeTimeouts: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors", Symmetry: true}},
	{"loss and duplication, 3 values, symmetry", tla.Params{Replicas: 3, Clients: 1, Values: 3, Drops: 1, Duplicates: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors", Symmetry: true}},
	{"startview-literal (violation)", tla.Params{Replicas: 3, Clients: 1, Values: 2, ViewChangeTimeouts: 1, MaxDown: 1,
		StateTransfer: "Fixed", Recovery: "CrashVectors", StartViewInNormal: true}},
}

// goCheck runs the Go checker on p with BFS.
func goCheck(t *testing.T, p tla.Params) *modelcheck.Result {
	t.Helper()
	cfg := spec.Config{Replicas: uint8(p.Replicas), StartViewInNormal: p.StartViewInNormal}
	if p.StateTransfer == "Paper" {
		cfg.StateTransfer = spec.StateTransferPaper
	}
	if p.Recovery == "Paper" {
		cfg.Recovery = spec.RecoveryPaper
	}
	var init []spec.Replica
	for i := 0; i < p.Replicas; i++ {
		init = append(init, spec.NewReplica(cfg, spec.ReplicaIndex(i)))
	}
	b := modelcheck.Bounds{
		Clients: p.Clients, Values: p.Values,
		TimeoutLimits: map[string]int{
			"ViewChangeTimeout": p.ViewChangeTimeouts, "CommitTimeout": p.CommitTimeouts, "RecoveryTimeout": p.RecoveryTimeouts,
		},
		Drops: p.Drops, Duplicates: p.Duplicates, Crashes: p.Crashes, MaxDown: p.MaxDown,
	}
	res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, init, b, modelcheck.Options{Mode: modelcheck.BFS, MaxDepth: p.MaxDepth, Symmetry: p.Symmetry})
	require.NoError(t, err)
	return res
}

// TestParity runs TLC on VSR.tla and the Go checker on the same bounded
// configurations and compares the number of distinct states and the
// verdict. It needs TLC: set TLA2TOOLS_JAR to the path of tla2tools.jar.
func TestParity(t *testing.T) {
	jar, err := tla.Jar()
	if err != nil {
		t.Skipf("skipping the TLC parity check: %v (set %s to the path of tla2tools.jar to run it)", err, tla.JarEnv)
	}
	if testing.Short() {
		t.Skip("skipping the TLC parity check in -short mode: it takes minutes")
	}
	dir := t.TempDir()
	require.NoError(t, tla.WriteModules(dir))
	for i, pc := range parityConfigs {
		t.Run(pc.name, func(t *testing.T) {
			start := time.Now()
			g := goCheck(t, pc.params)
			goTime := time.Since(start)
			cfg := fmt.Sprintf("parity%d.cfg", i)
			require.NoError(t, os.WriteFile(filepath.Join(dir, cfg), []byte(tla.Config(pc.params, pc.name)), 0o644))
			r, err := tla.Run(context.Background(), jar, dir, "VSR", cfg, 2)
			require.NoError(t, err)
			t.Logf("| %s | %d | %s | %d | %s | %s |", pc.name, g.Distinct, goTime.Round(time.Millisecond),
				r.Distinct, r.Elapsed.Round(time.Second), verdict(g.Violation != nil, r.Violation))
			require.Equal(t, g.Violation != nil, r.Violation != "", "verdicts differ: Go %v, TLC %q", g.Violation, r.Violation)
			if g.Violation == nil {
				require.Equal(t, g.Distinct, r.Distinct, "distinct states differ")
			}
		})
	}
}

func verdict(goViolation bool, tlcViolation string) string {
	if !goViolation && tlcViolation == "" {
		return "no violation"
	}
	if goViolation && tlcViolation != "" {
		return "violation: " + tlcViolation
	}
	return "DIFFER"
}
