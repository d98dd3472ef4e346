package spec_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/spec"
)

func TestReplicaSetString(t *testing.T) {
	for _, tt := range []struct {
		set  spec.ReplicaSet
		want string
	}{
		{0, "{}"},
		{spec.ReplicaSet(0).Add(1), "{r1}"},
		{spec.ReplicaSet(0).Add(0).Add(2), "{r0, r2}"},
		{spec.ReplicaSet(0).Add(9).Add(10).Add(63), "{r9, r10, r63}"},
	} {
		require.Equal(t, tt.want, tt.set.String())
	}
}
