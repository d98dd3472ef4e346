package spec_test

import (
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
	for s := spec.Normal; s <= spec.Crashed; s++ {
		r.Status = s
		enc, err := (*generated.Replica)(&r).MarshalBinary()
		require.NoError(t, err)
		var back generated.Replica
		require.NoError(t, back.UnmarshalBinary(enc), "status %v", s)
		require.Equal(t, s, back.Status)
	}
	// The encoding: the version byte, the config (replicas, state
	// transfer, recovery, StartView in normal, batch, pipeline: one
	// byte each while small), the index, then the status.
	r.Status = spec.Crashed
	enc, err := (*generated.Replica)(&r).MarshalBinary()
	require.NoError(t, err)
	const statusAt = 8
	require.Equal(t, byte(spec.Crashed), enc[statusAt])
	enc[statusAt] = byte(spec.Crashed) + 1
	var back generated.Replica
	require.EqualError(t, back.UnmarshalBinary(enc), "decode Replica: spec.Status 6 is none of its constants")

	enc[statusAt] = byte(spec.Crashed)
	enc[2] = byte(spec.StateTransferPaper) + 1
	require.EqualError(t, back.UnmarshalBinary(enc), "decode Replica: spec.StateTransferVariant 2 is none of its constants")
}
