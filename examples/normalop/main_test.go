package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-replicas", "5", "-requests", "4"}, &out, &errOut))
	s := out.String()
	require.Contains(t, s, "normal operation: 5 replicas, 4 requests")
	require.Equal(t, 4, strings.Count(s, "  r0: CommitOperations"))
	require.Equal(t, 4, strings.Count(s, "  reply r0->c"))
	require.Contains(t, s, "replies received: 4")
	require.Contains(t, s, "invariants: all hold")
	require.Empty(t, errOut.String())
}

func TestRunBadUsage(t *testing.T) {
	for _, args := range [][]string{{"-replicas", "4"}, {"-replicas", "1"}, {"-requests", "0"}, {"-nope"}, {"extra"}} {
		var out, errOut bytes.Buffer
		require.Equal(t, 2, run(args, &out, &errOut), "args %v", args)
		require.NotEmpty(t, errOut.String())
	}
}
