package bounded_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

func TestDefault(t *testing.T) {
	c := bounded.Default()
	require.NoError(t, c.Validate())
	require.Equal(t, spec.Config{Replicas: 3}, c.Spec())
	require.Equal(t, modelcheck.Bounds{Clients: 1, Values: 2, MaxDown: 1,
		TimeoutLimits: map[string]int{"ViewChangeTimeout": 1, "CommitTimeout": 0, "RecoveryTimeout": 0, "LeaseTimeout": 0},
		Clock:         "Tick"}, c.Bounds())
	require.Len(t, c.InitialReplicas(), 3)
	require.Equal(t, []string{"v1", "v2"}, c.ValueNames())
}

// TestSetAndGet sets every setting from its text and reads it back.
func TestSetAndGet(t *testing.T) {
	c := bounded.Default()
	for _, kv := range [][2]string{
		{"replicas", "5"}, {"clients", "2"}, {"values", "3"}, {"viewchanges", "2"}, {"commit-timeouts", "-1"},
		{"recovery-timeouts", "1"}, {"crashes", "1"}, {"drops", "2"}, {"duplicates", "1"}, {"max-down", "1"},
		{"statetransfer", "paper"}, {"recovery", "paper"}, {"startview-in-normal", "true"}, {"symmetry", "true"},
		{"depth", "9"},
	} {
		require.NoError(t, c.Set(kv[0], kv[1]))
		got, ok := c.Get(kv[0])
		require.True(t, ok)
		require.Equal(t, kv[1], got, kv[0])
	}
	require.NoError(t, c.Validate())
	require.Equal(t, spec.Config{Replicas: 5, StateTransfer: spec.StateTransferPaper, Recovery: spec.RecoveryPaper, StartViewInNormal: true}, c.Spec())
	require.Equal(t, 1, c.Down())
	require.Equal(t, -1, c.Bounds().TimeoutLimits["CommitTimeout"])
}

// TestRejects requires a one-line error for every malformed value and
// every value out of range.
func TestRejects(t *testing.T) {
	for _, tt := range []struct{ name, value, want string }{
		{"replicas", "three", `replicas "three": not an integer`},
		{"symmetry", "maybe", `symmetry "maybe": not true or false`},
		{"statetransfer", "Fixed", `statetransfer "Fixed": want fixed or paper`},
		{"recovery", "vectors", `recovery "vectors": want crashvectors or paper`},
		{"colour", "blue", `unknown setting "colour"`},
	} {
		c := bounded.Default()
		require.EqualError(t, c.Set(tt.name, tt.value), tt.want)
	}
	for _, tt := range []struct {
		change func(c *bounded.Config)
		want   string
	}{
		{func(c *bounded.Config) { c.Replicas = 0 }, "replicas 0: want 1 to 63"},
		{func(c *bounded.Config) { c.Replicas = 64 }, "replicas 64: want 1 to 63"},
		{func(c *bounded.Config) { c.Clients = 17 }, "clients 17: want 0 to 16"},
		{func(c *bounded.Config) { c.Values = -1 }, "values -1: want 0 to 16"},
		{func(c *bounded.Config) { c.ViewChanges = -1 }, "viewchanges -1: want 0 to 2^31-1"},
		{func(c *bounded.Config) { c.CommitTimeouts = -2 }, "commit-timeouts -2: want -1 (unbounded) to 2^31-1"},
		{func(c *bounded.Config) { c.Drops = 1 << 31 }, "drops 2147483648: want 0 to 2^31-1"},
		{func(c *bounded.Config) { c.MaxDown = 4 }, "max-down 4: want -1 (f) to 3"},
		{func(c *bounded.Config) { c.Batch = 1 << 16 }, "batch 65536: want 0 to 65535"},
		{func(c *bounded.Config) { c.Pipeline = -1 }, "pipeline -1: want 0 to 65535"},
		{func(c *bounded.Config) { c.Depth = -1 }, "depth -1: want 0 to 2^31-1"},
	} {
		c := bounded.Default()
		tt.change(&c)
		require.EqualError(t, c.Validate(), tt.want)
	}
}

func TestOf(t *testing.T) {
	c, err := bounded.Of("replicas", "5", "viewchanges", "0")
	require.NoError(t, err)
	require.Equal(t, 5, c.Replicas)
	require.Equal(t, 0, c.ViewChanges)
	_, err = bounded.Of("replicas")
	require.EqualError(t, err, `setting "replicas" has no value`)
	_, err = bounded.Of("replicas", "0")
	require.EqualError(t, err, "replicas 0: want 1 to 63")
}

func TestParse(t *testing.T) {
	f, err := bounded.Parse(strings.NewReader("# A comment.\n\nreplicas = 5\n  statetransfer=paper  \n# More.\n"), "x.cfg")
	require.NoError(t, err)
	require.Equal(t, []string{"A comment.", "More."}, f.Comment)
	want := bounded.Default()
	want.Replicas, want.StateTransfer = 5, spec.StateTransferPaper
	require.Equal(t, want, f.Config)

	for _, tt := range []struct{ text, want string }{
		{"replicas 3\n", "x.cfg:1: want name = value"},
		{"= 3\n", "x.cfg:1: want name = value"},
		{"values = 2\nnonsense = 1\n", `x.cfg:2: unknown setting "nonsense"`},
		{"values = two\n", `x.cfg:1: values "two": not an integer`},
		{"values = 2\n\nvalues = 3\n", "x.cfg:3: values is set already, at line 1"},
	} {
		_, err := bounded.Parse(strings.NewReader(tt.text), "x.cfg")
		require.EqualError(t, err, tt.want, tt.text)
	}
}

// TestConfigsValid reads every named configuration.
func TestConfigsValid(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "modelcheck", "configs", "*.cfg"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		f, err := bounded.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, f.Config.Validate(), path)
		require.NotEmpty(t, f.Comment, "%s says nothing of itself", path)
	}
	_, err = bounded.ReadFile(filepath.Join(t.TempDir(), "missing.cfg"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestFlagsOverFile: defaults, then a file, then the flags given on the
// command line, which win.
func TestFlagsOverFile(t *testing.T) {
	c := bounded.Default()
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Flags(fs)
	require.NoError(t, fs.Parse([]string{"-values", "3", "-symmetry", "-statetransfer", "paper"}))
	require.Equal(t, 3, c.Values)
	require.True(t, c.Symmetry)

	file, err := bounded.Parse(strings.NewReader("values = 1\nviewchanges = 2\nstatetransfer = fixed\n"), "x.cfg")
	require.NoError(t, err)
	got, err := bounded.Overlay(file.Config, fs)
	require.NoError(t, err)
	want := bounded.Default()
	want.Values, want.ViewChanges, want.Symmetry, want.StateTransfer = 3, 2, true, spec.StateTransferPaper
	require.Equal(t, want, got)

	require.Error(t, fs.Parse([]string{"-recovery", "sometimes"}))
}

func TestTLCConstants(t *testing.T) {
	c := bounded.Default()
	c.CommitTimeouts, c.RecoveryTimeouts, c.Recovery, c.Depth = -1, -1, spec.RecoveryPaper, 7
	var lines []string
	for _, k := range c.TLCConstants() {
		lines = append(lines, k.Name+" = "+k.Value)
	}
	require.Equal(t, []string{
		"NumReplicas = 3", "NumClients = 1", "Values = {v1, v2}", "ViewChangeTimeouts = 1", "CommitTimeouts = 0",
		"RecoveryTimeouts = 0", `UnboundedTimeouts = {"CommitTimeout", "RecoveryTimeout"}`, "Drops = 0", "Duplicates = 0",
		"Crashes = 0", "MaxDown = 1", `StateTransfer = "fixed"`, `Recovery = "paper"`, "StartViewInNormal = FALSE", "Batch = 1", "Pipeline = 0",
		"CheckpointInterval = 0", "ViewChangeLog = 0", "Lease = 0", "LeaseMargin = 0", "LeaseTimeouts = 0", "Ticks = 0", "Drift = 0",
		"InitialMembers = {}", "Reconfigure = {}", "Admin = 0",
		"MaxDepth = 7",
	}, lines)
}
