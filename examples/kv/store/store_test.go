package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/examples/kv/store"
)

func apply(t *testing.T, s *store.Store, o store.Op) store.Result {
	t.Helper()
	r, err := store.DecodeResult(s.Apply(o.Encode()))
	require.NoError(t, err)
	return r
}

func TestStore(t *testing.T) {
	s := store.New()
	require.Equal(t, store.Result{Value: []byte{}}, apply(t, s, store.Op{Kind: store.Get, Key: "k"}))
	require.True(t, apply(t, s, store.Op{Kind: store.CAS, Key: "k", Absent: true, Value: []byte("1")}).OK)
	require.Equal(t, store.Result{OK: false, Value: []byte("1")}, apply(t, s, store.Op{Kind: store.CAS, Key: "k", Absent: true, Value: []byte("2")}))
	require.Equal(t, store.Result{OK: false, Value: []byte("1")}, apply(t, s, store.Op{Kind: store.CAS, Key: "k", Old: []byte("0"), Value: []byte("2")}))
	require.Equal(t, store.Result{OK: true, Value: []byte("2")}, apply(t, s, store.Op{Kind: store.CAS, Key: "k", Old: []byte("1"), Value: []byte("2")}))
	require.Equal(t, store.Result{OK: true, Value: []byte("2")}, apply(t, s, store.Op{Kind: store.Get, Key: "k"}))
	require.True(t, apply(t, s, store.Op{Kind: store.Put, Key: "j", Value: []byte("x")}).OK)
	require.Equal(t, 2, s.Len())
	require.True(t, apply(t, s, store.Op{Kind: store.Delete, Key: "k"}).OK)
	require.False(t, apply(t, s, store.Op{Kind: store.Delete, Key: "k"}).OK)
	require.Equal(t, 1, s.Len())
}

// TestDecodeRejects: an operation the store cannot decode is an error the
// client sees, and the same result on every replica.
func TestDecodeRejects(t *testing.T) {
	for _, b := range [][]byte{nil, {'X', 0}, {'P'}, {'G', 5, 'a'}, append((&store.Op{Kind: store.Get, Key: "k"}).Encode(), 0)} {
		_, err := store.Decode(b)
		require.Error(t, err, "%q", b)
		_, err = store.DecodeResult(store.New().Apply(b))
		require.EqualError(t, err, "store: the replicas could not decode the operation")
	}
	o := store.Op{Kind: store.CAS, Key: "k", Old: []byte("a"), Value: []byte("b"), Absent: true}
	back, err := store.Decode(o.Encode())
	require.NoError(t, err)
	require.Equal(t, o, back)
}

// TestSnapshot: a snapshot restores the same store into a new one, is the
// same bytes for the same state whatever the order of the operations
// that made it, and bytes that are not a snapshot are refused with the
// store unchanged.
func TestSnapshot(t *testing.T) {
	a, b := store.New(), store.New()
	for _, k := range []string{"b", "a", "c"} {
		apply(t, a, store.Op{Kind: store.Put, Key: k, Value: []byte("v" + k)})
	}
	for _, k := range []string{"c", "a", "b"} {
		apply(t, b, store.Op{Kind: store.Put, Key: k, Value: []byte("v" + k)})
	}
	require.Equal(t, a.Snapshot(), b.Snapshot())

	c := store.New()
	require.NoError(t, c.Restore(a.Snapshot()))
	require.Equal(t, 3, c.Len())
	require.Equal(t, store.Result{OK: true, Value: []byte("vb")}, apply(t, c, store.Op{Kind: store.Get, Key: "b"}))
	require.Equal(t, a.Snapshot(), c.Snapshot())

	empty := store.New()
	require.NoError(t, c.Restore(empty.Snapshot()))
	require.Zero(t, c.Len())

	good := a.Snapshot()
	unordered := []byte{2, 1, 'b', 0, 1, 'a', 0}
	for _, bad := range [][]byte{nil, {5}, good[:len(good)-1], append(good, 0), unordered} {
		require.Error(t, a.Restore(bad), "%q", bad)
		require.Equal(t, 3, a.Len())
	}
}
