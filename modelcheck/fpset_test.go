package modelcheck

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFPSet(t *testing.T) {
	s := newFPSet()
	const n = 200000
	for i := uint64(0); i < n; i++ {
		fp := i*0x9E3779B97F4A7C15 + 7
		require.True(t, s.insert(fp), "first insert of %d", i)
	}
	for i := uint64(0); i < n; i++ {
		require.False(t, s.insert(i*0x9E3779B97F4A7C15+7), "second insert of %d", i)
	}
	require.Equal(t, n, s.len())
	// Zero marks an empty slot, so it is stored as one.
	require.True(t, s.insert(0))
	require.False(t, s.insert(1))
	perState := float64(s.bytes()) / float64(s.len())
	require.LessOrEqual(t, perState, 16.0+0.5) // the first tables are not yet at half load
	require.GreaterOrEqual(t, perState, 10.6)
}
