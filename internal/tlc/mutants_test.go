package tlc_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/internal/tlc"
)

// TestTLCCatchesMutants breaks VSR.tla one rule at a time, as
// modelcheck's TestMutantsBreakInvariants breaks the Go rules, and
// requires TLC to report the invariant or action property that the
// breakage violates: every invariant and action property of VSR.tla is
// shown to catch something.
func TestTLCCatchesMutants(t *testing.T) {
	jar, err := tlc.Jar()
	if err != nil {
		t.Skipf("skipping the TLC mutants: %v (set %s to the path of tla2tools.jar to run them)", err, tlc.JarEnv)
	}
	src := readVSR(t)
	small := func(values, viewChanges, commitTimeouts int) bounded.Config {
		c := bounded.Default()
		c.Values, c.ViewChanges, c.CommitTimeouts = values, viewChanges, commitTimeouts
		return c
	}
	// The mutant breaks LeaseReadsCurrent within 12 steps; the whole
	// space is millions of states.
	leases := func() bounded.Config {
		c := small(1, 1, 0)
		c.Lease, c.LeaseMargin, c.LeaseTimeouts, c.Ticks, c.Depth = 2, 2, 1, 3, 12
		return c
	}
	checkpoints := func(clients, values int) bounded.Config {
		c := small(values, 0, 0)
		c.Clients, c.Checkpoint = clients, 1
		return c
	}
	reconfig := func(replicas int, from, to string, values int) bounded.Config {
		c := small(values, 0, 0)
		c.Replicas = replicas
		require.NoError(t, c.Set("members", from))
		require.NoError(t, c.Set("reconfigure", to))
		return c
	}
	for _, tc := range []struct {
		name     string
		old, new string
		config   bounded.Config
		want     string
	}{
		{"CommitNumberAtMostOpNumber",
			"LET c == CommitTo(s, QuorumOp(s), <<>>) IN PrepareWaiting(c.st, c.out)",
			"LET c == CommitTo(s, QuorumOp(s), <<>>) IN Result([c.st EXCEPT !.commitNumber = c.st.commitNumber + 1], c.out)",
			small(1, 0, 0), "Invariant CommitNumberAtMostOpNumber is violated"},
		{"CommittedPrefixesAgree",
			"IN Result(c.st, AckAhead(c.st, m.commit, c.out))",
			"IN Result([c.st EXCEPT !.log[1].op = \"bad\"], AckAhead(c.st, m.commit, c.out))",
			small(2, 0, 1), "Invariant CommittedPrefixesAgree is violated"},
		// A checkpoint of the live client table, which also records the
		// requests in progress.
		{"CheckpointsAgree",
			"clientTable |-> CheckpointTable(s), state |-> \"\"",
			"clientTable |-> s.clientTable, state |-> \"\"",
			checkpoints(2, 2), "Invariant CheckpointsAgree is violated"},
		// A backup grants the primary a lease without promising anything.
		{"LeaseReadsCurrent",
			"LET s1 == [Merge(s, m.crashVector) EXCEPT !.promise = Max(@, Lease + LeaseMargin)]",
			"LET s1 == Merge(s, m.crashVector)",
			leases(), "Invariant LeaseReadsCurrent is violated"},
		{"NormalLogMatchesPrimary",
			"!.log = Append(s.log, Head(reqs))]",
			"!.log = Append(s.log, [Head(reqs) EXCEPT !.op = \"bad\"])]",
			small(1, 0, 0), "Invariant NormalLogMatchesPrimary is violated"},
		// The primary forgets which requests it has accepted.
		{"ExecutedAtMostOnce",
			"/\\ ~InTable(s, m.client) \\/ m.request > s.clientTable[m.client].request",
			"/\\ TRUE",
			small(1, 0, 0), "Invariant ExecutedAtMostOnce is violated"},
		// The primary replies as soon as it accepts a request.
		{"AcknowledgedNotLost",
			"IN PrepareWaiting(s2, <<>>)",
			"IN PrepareWaiting(s2, <<ReplyTo(m.client, MakeReply(s2, Req(m)))>>)",
			small(1, 1, 0), "Invariant AcknowledgedNotLost is violated"},
		{"ViewNeverDecreases",
			"IN Result([s1 EXCEPT !.startViewChanges = s1.startViewChanges \\cup {m.replica}], <<>>)",
			"IN Result([s1 EXCEPT !.startViewChanges = s1.startViewChanges \\cup {m.replica}, !.view = 0], <<>>)",
			small(0, 1, 0), "Action property AlwaysViewNeverDecreases is violated"},
		{"CommitNeverDecreases",
			"SendCommitApply(s, m) ==\n    Result(s,",
			"SendCommitApply(s, m) ==\n    Result([s EXCEPT !.commitNumber = 0],",
			small(1, 0, 1), "Action property AlwaysCommitNeverDecreases is violated"},
		// A replica that joins takes the group before the
		// reconfiguration for the epoch's.
		{"OnePrimaryPerView",
			"!.epoch = m.epoch, !.oldMembers = m.old, !.members = m.new, !.epochStart = m.op,",
			"!.epoch = m.epoch, !.oldMembers = m.old, !.members = m.old, !.epochStart = m.op,",
			reconfig(4, "0,1,2", "0,1,3", 0), "Invariant OnePrimaryPerView is violated"},
		// A replica of both groups goes back to the epoch before when it
		// hears that another has started the new one.
		{"ViewNeverDecreases, epochs",
			"IN Result([s1 EXCEPT !.epochStarted = @ \\cup {m.replica}], <<>>)",
			"IN Result([s1 EXCEPT !.epochStarted = @ \\cup {m.replica}, !.epoch = @ - 1], <<>>)",
			reconfig(4, "0,1,2", "0,1,3", 0), "Action property AlwaysViewNeverDecreases is violated"},
		// The replicas that join start the epoch with the history they
		// had, none: the write acknowledged before is lost.
		{"AcknowledgedNotLost, epochs",
			"s2 == AdoptSuffix(s1, m.after, s1.commitNumber, m.log, m.checkpoint)",
			"s2 == s1",
			reconfig(6, "3,4,5", "0,1,2", 1), "Invariant AcknowledgedNotLost is violated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(src, tc.old), "the mutation's target must occur once")
			dir := t.TempDir()
			require.NoError(t, tlc.WriteModules(dir))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "VSR.tla"), []byte(strings.Replace(src, tc.old, tc.new, 1)), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "MC.cfg"), []byte(tlc.Config(tc.config, []string{tc.name})), 0o644))
			res, err := tlc.Run(context.Background(), jar, dir, "VSR", "MC.cfg", 2)
			require.NoError(t, err)
			require.Equal(t, tc.want, res.Violation, "TLC missed the broken rule")

			// The same bounds on the unbroken spec are clean.
			require.NoError(t, tlc.WriteModules(dir))
			res, err = tlc.Run(context.Background(), jar, dir, "VSR", "MC.cfg", 2)
			require.NoError(t, err)
			require.Empty(t, res.Violation)
		})
	}
}
