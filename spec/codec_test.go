package spec_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec"
)

// TestDecodeRejectsEnumOutOfRange encodes a replica's state with each
// status, then with a status byte beyond the last one: the decoder takes
// every status of the spec and rejects the rest, as it rejects any other
// malformed input.
func TestDecodeRejectsEnumOutOfRange(t *testing.T) {
	r := spec.NewReplica(spec.Config{Replicas: 3}, 1)
	for s := spec.Normal; s <= spec.Shutdown; s++ {
		r.Status = s
		enc, err := (*generated.Replica)(&r).MarshalBinary()
		require.NoError(t, err)
		var back generated.Replica
		require.NoError(t, back.UnmarshalBinary(enc), "status %v", s)
		require.Equal(t, s, back.Status)
	}
	// The encoding: the version byte, the config (replicas, members,
	// administrator, state transfer, recovery, StartView in normal,
	// batch, pipeline, checkpoint interval, view change log, lease, lease
	// margin: one byte each while small), the index, then the status.
	r.Status = spec.Shutdown
	enc, err := (*generated.Replica)(&r).MarshalBinary()
	require.NoError(t, err)
	const statusAt = 14
	require.Equal(t, byte(spec.Shutdown), enc[statusAt])
	enc[statusAt] = byte(spec.Shutdown) + 1
	var back generated.Replica
	require.EqualError(t, back.UnmarshalBinary(enc), "decode Replica: spec.Status 9 is none of its constants")

	enc[statusAt] = byte(spec.Crashed)
	const stateTransferAt = 4
	enc[stateTransferAt] = byte(spec.StateTransferPaper) + 1
	require.EqualError(t, back.UnmarshalBinary(enc), "decode Replica: spec.StateTransferVariant 2 is none of its constants")
}

// TestUnmarshalMessageShared: the shared decoding gives the message that
// the copying one gives, its byte strings in the input's memory, and
// rejects the same malformed input.
func TestUnmarshalMessageShared(t *testing.T) {
	m := spec.Prepare{View: 2, Requests: []spec.Request{{Op: []byte("ab"), Client: 1, Request: 1}, {Op: []byte("cd"), Client: 2, Request: 1}},
		Op: 7, Commit: 5, CrashVector: []uint32{0, 1, 0}}
	enc, err := generated.AppendMessage(nil, m)
	require.NoError(t, err)
	copied, err := generated.UnmarshalMessage(enc)
	require.NoError(t, err)
	shared, err := generated.UnmarshalMessageShared(enc)
	require.NoError(t, err)
	require.Equal(t, m, copied)
	require.Equal(t, m, shared)

	at := bytes.Index(enc, []byte("cd"))
	enc[at] = 'x'
	require.Equal(t, "xd", string(shared.(spec.Prepare).Requests[1].Op), "shared: the input's memory")
	require.Equal(t, "cd", string(copied.(spec.Prepare).Requests[1].Op), "copied: its own")

	for _, bad := range [][]byte{enc[:len(enc)-1], append(enc, 0)} {
		_, err := generated.UnmarshalMessageShared(bad)
		require.Error(t, err)
		_, err = generated.UnmarshalMessage(bad)
		require.Error(t, err)
	}
}
