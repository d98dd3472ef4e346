// Package script runs interaction scripts: text files of commands, each
// followed by the output it must print, in the manner of etcd raft's
// testdata/*.txt tests.
//
//	# A comment.
//	deliver 1
//	----
//	the expected output,
//	one or more lines
//
// A block is a command line, a line "----", and the expected output up to
// the next blank line; output itself never holds a blank line. With the
// -update flag of the test binary, the files are rewritten with the output
// the commands printed.
package script

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite script files with the output printed")

// Cmd is one command of a script: its name and its arguments, each either
// key=value or a bare word.
type Cmd struct {
	Name string
	Args []Arg
	Pos  string // file:line
}

// Arg is an argument of a command. A bare word has an empty Key.
type Arg struct {
	Key, Value string
}

// Get returns the value of key and whether it was given.
func (c Cmd) Get(key string) (string, bool) {
	for _, a := range c.Args {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// Words returns the bare words of the command.
func (c Cmd) Words() []string {
	var w []string
	for _, a := range c.Args {
		if a.Key == "" {
			w = append(w, a.Value)
		}
	}
	return w
}

type block struct {
	comments []string
	cmd      string
	line     int
	want     []string
}

// T is the part of *testing.T that Run uses.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Fatal(args ...any)
}

var _ T = (*testing.T)(nil)

// Run runs the script in path: for each block it calls do with the command
// and compares what do returns with the expected output.
func Run(t T, path string, do func(Cmd) string) {
	t.Helper()
	blocks, err := parse(path)
	if err != nil {
		t.Fatal(err)
		return
	}
	for _, b := range blocks {
		cmd := parseCmd(b.cmd)
		cmd.Pos = fmt.Sprintf("%s:%d", path, b.line)
		got := strings.TrimRight(do(cmd), "\n")
		got = strings.ReplaceAll(got, "\n\n", "\n")
		want := strings.Join(b.want, "\n")
		if *update {
			b.want = nil // an empty output is no line, not an empty one
			if got != "" {
				b.want = strings.Split(got, "\n")
			}
			continue
		}
		if got != want {
			t.Errorf("%s: %s\ngot:\n%s\nwant:\n%s", cmd.Pos, b.cmd, got, want)
		}
	}
	if *update {
		if err := writeFile(path, blocks); err != nil {
			t.Fatal(err)
			return
		}
	}
}

func parse(path string) ([]*block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	defer f.Close()
	var blocks []*block
	var comments []string
	var cur *block
	inOutput := false
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		switch {
		case inOutput && text == "":
			inOutput, cur = false, nil
		case inOutput:
			cur.want = append(cur.want, text)
		case text == "----":
			if cur == nil {
				return nil, fmt.Errorf("%s:%d: ---- without a command", path, line)
			}
			inOutput = true
		case cur != nil:
			return nil, fmt.Errorf("%s:%d: a command needs ---- and its output before the next", path, line)
		case strings.HasPrefix(text, "#") || text == "":
			comments = append(comments, text)
		default:
			cur = &block{comments: comments, cmd: text, line: line}
			comments = nil
			blocks = append(blocks, cur)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("script: %s: %w", path, err)
	}
	if cur != nil && !inOutput {
		return nil, fmt.Errorf("%s:%d: the last command has no ----", path, line)
	}
	return blocks, nil
}

func parseCmd(text string) Cmd {
	fields := strings.Fields(text)
	c := Cmd{Name: fields[0]}
	for _, f := range fields[1:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			c.Args = append(c.Args, Arg{Key: k, Value: v})
		} else {
			c.Args = append(c.Args, Arg{Value: f})
		}
	}
	return c
}

func writeFile(path string, blocks []*block) error {
	var sb strings.Builder
	for i, b := range blocks {
		if i > 0 {
			sb.WriteString("\n") // ends the output of the block before
		}
		for _, c := range b.comments {
			sb.WriteString(c + "\n")
		}
		sb.WriteString(b.cmd + "\n----\n")
		for _, w := range b.want {
			sb.WriteString(w + "\n")
		}
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}
