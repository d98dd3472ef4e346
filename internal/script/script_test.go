package script

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a T that records what Run reports.
type recorder struct {
	errors []string
	fatal  []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) { r.fatal = append(r.fatal, fmt.Sprint(args...)) }

func write(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "s.txt")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// echo prints the command's name and its arguments.
func echo(c Cmd) string {
	var parts []string
	for _, a := range c.Args {
		parts = append(parts, a.Key+"="+a.Value)
	}
	return c.Name + "\n" + strings.Join(parts, " ")
}

func TestRunMatches(t *testing.T) {
	path := write(t, "# comment\nhello a=1 b\n----\nhello\na=1 =b\n\nbye\n----\nbye\n\n")
	var r recorder
	Run(&r, path, echo)
	require.Empty(t, r.errors)
	require.Empty(t, r.fatal)
}

func TestRunReportsMismatch(t *testing.T) {
	path := write(t, "hello a=1\n----\nhello\na=2\n")
	var r recorder
	Run(&r, path, echo)
	require.Len(t, r.errors, 1)
	require.Contains(t, r.errors[0], path+":1: hello a=1")
	require.Contains(t, r.errors[0], "got:\nhello\na=1\nwant:\nhello\na=2")
}

func TestRunRejectsMalformed(t *testing.T) {
	for text, want := range map[string]string{
		"----\nx\n":           ":1: ---- without a command",
		"a\nb\n----\n":        ":2: a command needs ---- and its output before the next",
		"a\n----\nx\n\nb\n":   ":5: the last command has no ----",
		"a\n----\nx\n\nb\n\n": ":6: a command needs ---- and its output before the next",
	} {
		var r recorder
		Run(&r, write(t, text), echo)
		require.Len(t, r.fatal, 1, "script %q", text)
		require.Contains(t, r.fatal[0], want, "script %q", text)
	}
}

func TestCmd(t *testing.T) {
	c := parseCmd("deliver 3 4 to=1")
	require.Equal(t, "deliver", c.Name)
	require.Equal(t, []string{"3", "4"}, c.Words())
	v, ok := c.Get("to")
	require.True(t, ok)
	require.Equal(t, "1", v)
	_, ok = c.Get("from")
	require.False(t, ok)
}

func TestWriteRoundTrip(t *testing.T) {
	text := "# a\nx\n----\n1\n2\n\n# b\n\ny\n----\n3\n"
	path := write(t, text)
	blocks, err := parse(path)
	require.NoError(t, err)
	require.NoError(t, writeFile(path, blocks))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, text, string(got))
}

// TestUpdateKeepsEmptyOutput: rewriting a script whose command prints
// nothing leaves it as it was, however often it is rewritten.
func TestUpdateKeepsEmptyOutput(t *testing.T) {
	text := "quiet\n----\n\nloud\n----\nloud\n"
	path := write(t, text)
	defer func(old bool) { *update = old }(*update)
	*update = true
	do := func(c Cmd) string {
		if c.Name == "quiet" {
			return ""
		}
		return c.Name
	}
	for range 2 {
		var r recorder
		Run(&r, path, do)
		require.Empty(t, r.fatal)
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, text, string(got))
	}
}
