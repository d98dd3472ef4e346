package tla_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/spec/tla"
)

var update = flag.Bool("update", false, "rewrite spec/tla/MC_*.cfg from modelcheck/configs")

// checkerConfig is a bounded configuration in the checker's file format
// (modelcheck/configs/*.cfg), with the defaults of vsrgen check.
type checkerConfig struct {
	name     string
	comment  string
	settings map[string]string
	params   tla.Params
}

// readCheckerConfig reads a configuration of modelcheck/configs.
func readCheckerConfig(t *testing.T, path string) checkerConfig {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	c := checkerConfig{name: strings.TrimSuffix(filepath.Base(path), ".cfg"), settings: map[string]string{}}
	var comment []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "#"); ok {
			comment = append(comment, strings.TrimSpace(rest))
			continue
		}
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		require.True(t, ok, "%s: %q is not name = value", path, line)
		c.settings[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	require.NoError(t, sc.Err())
	c.comment = fmt.Sprintf("modelcheck/configs/%s.cfg:\n%s", c.name, strings.Join(comment, "\n"))
	c.params = paramsOf(t, c.settings)
	return c
}

// paramsOf turns checker settings into the constants of VSR.tla, with the
// defaults of vsrgen check's flags.
func paramsOf(t *testing.T, settings map[string]string) tla.Params {
	t.Helper()
	num := func(name string, def int) int {
		v, ok := settings[name]
		if !ok {
			return def
		}
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "%s = %s", name, v)
		return n
	}
	p := tla.Params{
		Replicas: num("replicas", 3), Clients: num("clients", 1), Values: num("values", 2),
		ViewChangeTimeouts: num("viewchanges", 1), CommitTimeouts: num("commit-timeouts", 0),
		RecoveryTimeouts: num("recovery-timeouts", 0),
		Drops:            num("drops", 0), Duplicates: num("duplicates", 0), Crashes: num("crashes", 0),
		MaxDown: num("max-down", -1), StateTransfer: "Fixed", Recovery: "CrashVectors",
	}
	if p.MaxDown < 0 {
		p.MaxDown = (p.Replicas - 1) / 2
	}
	switch settings["statetransfer"] {
	case "", "fixed":
	case "paper":
		p.StateTransfer = "Paper"
	default:
		t.Fatalf("statetransfer = %s", settings["statetransfer"])
	}
	switch settings["recovery"] {
	case "", "crashvectors":
	case "paper":
		p.Recovery = "Paper"
	default:
		t.Fatalf("recovery = %s", settings["recovery"])
	}
	if v, ok := settings["startview-in-normal"]; ok {
		b, err := strconv.ParseBool(v)
		require.NoError(t, err)
		p.StartViewInNormal = b
	}
	if v, ok := settings["symmetry"]; ok {
		b, err := strconv.ParseBool(v)
		require.NoError(t, err)
		p.Symmetry = b
	}
	for name := range settings {
		switch name {
		case "replicas", "clients", "values", "viewchanges", "commit-timeouts", "recovery-timeouts",
			"drops", "duplicates", "crashes", "max-down", "statetransfer", "recovery", "startview-in-normal", "symmetry":
		default:
			t.Fatalf("setting %s has no TLA+ constant", name)
		}
	}
	return p
}

// mcName is the TLC configuration of a checker configuration.
func mcName(name string) string { return "MC_" + strings.ReplaceAll(name, "-", "_") + ".cfg" }

// TestMCConfigs checks that spec/tla has one TLC configuration for each
// configuration of modelcheck/configs, with the same bounds.
func TestMCConfigs(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "modelcheck", "configs", "*.cfg"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	want := map[string]bool{}
	for _, path := range paths {
		c := readCheckerConfig(t, path)
		name := mcName(c.name)
		want[name] = true
		rendered := tla.Config(c.params, c.comment)
		if *update {
			require.NoError(t, os.WriteFile(name, []byte(rendered), 0o644))
			continue
		}
		got, err := os.ReadFile(name)
		require.NoError(t, err, "run go test ./spec/tla -run TestMCConfigs -update")
		require.Equal(t, rendered, string(got), "%s is stale: run go test ./spec/tla -run TestMCConfigs -update", name)
	}
	have, err := filepath.Glob("MC_*.cfg")
	require.NoError(t, err)
	for _, name := range have {
		require.True(t, want[name], "%s has no configuration in modelcheck/configs", name)
	}
}
