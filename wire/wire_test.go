package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/wire"
)

// cat joins byte slices into one input.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func uvarint(v uint64) []byte { return wire.AppendUint(nil, v) }

func varint(v int64) []byte { return wire.AppendInt(nil, v) }

// TestDecoderErrors drives the decoder into each of its errors and checks
// the text, the sentinel where there is one, and that the decoder is then
// spent: nothing left to read, and every later read gives a zero value.
func TestDecoderErrors(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		read  func(d *wire.Decoder)
		want  string
		is    error // the sentinel the error wraps, if any
	}{
		{"version/empty", nil, (*wire.Decoder).Version, "wire: input too short", wire.ErrShort},
		{"version/unknown", []byte{2, 0}, (*wire.Decoder).Version, "wire: unknown version 2", wire.ErrVersion},
		{"version/zero", []byte{0}, (*wire.Decoder).Version, "wire: unknown version 0", wire.ErrVersion},
		{"uint/empty", nil, func(d *wire.Decoder) { d.Uint(64) }, "wire: input too short", wire.ErrShort},
		{"uint/cut in a varint", []byte{0x80}, func(d *wire.Decoder) { d.Uint(64) }, "wire: input too short", wire.ErrShort},
		{"uint/cut in a long varint", []byte{0xff, 0xff, 0xff}, func(d *wire.Decoder) { d.Uint(64) }, "wire: input too short", wire.ErrShort},
		{"uint/varint overflow", cat(bytes.Repeat([]byte{0xff}, 9), []byte{0x02}), func(d *wire.Decoder) { d.Uint(64) }, "wire: varint overflows 64 bits", nil},
		{"uint/varint too long", cat(bytes.Repeat([]byte{0x80}, 10), []byte{0x00}), func(d *wire.Decoder) { d.Uint(64) }, "wire: varint overflows 64 bits", nil},
		{"uint/not shortest", []byte{0x80, 0x00}, func(d *wire.Decoder) { d.Uint(64) }, "wire: varint not in shortest form", nil},
		{"uint/not shortest long", []byte{0xff, 0x80, 0x00}, func(d *wire.Decoder) { d.Uint(64) }, "wire: varint not in shortest form", nil},
		{"uint/overflows 8 bits", uvarint(256), func(d *wire.Decoder) { d.Uint(8) }, "wire: value 256 overflows 8 bits", nil},
		{"uint/overflows 16 bits", uvarint(1 << 16), func(d *wire.Decoder) { d.Uint(16) }, "wire: value 65536 overflows 16 bits", nil},
		{"uint/overflows 32 bits", uvarint(1 << 32), func(d *wire.Decoder) { d.Uint(32) }, "wire: value 4294967296 overflows 32 bits", nil},
		{"int/empty", nil, func(d *wire.Decoder) { d.Int(64) }, "wire: input too short", wire.ErrShort},
		{"int/varint overflow", cat(bytes.Repeat([]byte{0xff}, 10), []byte{0x01}), func(d *wire.Decoder) { d.Int(64) }, "wire: varint overflows 64 bits", nil},
		{"int/above int8", varint(128), func(d *wire.Decoder) { d.Int(8) }, "wire: value 128 overflows int8", nil},
		{"int/below int8", varint(-129), func(d *wire.Decoder) { d.Int(8) }, "wire: value -129 overflows int8", nil},
		{"int/above int16", varint(math.MaxInt16 + 1), func(d *wire.Decoder) { d.Int(16) }, "wire: value 32768 overflows int16", nil},
		{"int/below int32", varint(math.MinInt32 - 1), func(d *wire.Decoder) { d.Int(32) }, "wire: value -2147483649 overflows int32", nil},
		{"bool/empty", nil, func(d *wire.Decoder) { d.Bool() }, "wire: input too short", wire.ErrShort},
		{"bool/2", []byte{2}, func(d *wire.Decoder) { d.Bool() }, "wire: bool byte 2", nil},
		{"bool/255", []byte{0xff}, func(d *wire.Decoder) { d.Bool() }, "wire: bool byte 255", nil},
		{"len/empty", nil, func(d *wire.Decoder) { d.Len(1) }, "wire: input too short", wire.ErrShort},
		{"len/exceeds", cat(uvarint(5), []byte("ab")), func(d *wire.Decoder) { d.Len(1) }, "wire: length 5 exceeds the 2 bytes left", nil},
		{"len/exceeds min size", cat(uvarint(2), make([]byte, 7)), func(d *wire.Decoder) { d.Len(4) }, "wire: length 2 exceeds the 7 bytes left", nil},
		{"len/zero min size counts as one", cat(uvarint(3), make([]byte, 2)), func(d *wire.Decoder) { d.Len(0) }, "wire: length 3 exceeds the 2 bytes left", nil},
		{"len/max", uvarint(math.MaxUint64), func(d *wire.Decoder) { d.Len(1) }, "wire: length 18446744073709551615 exceeds the 0 bytes left", nil},
		{"bytes/exceeds", cat(uvarint(4), []byte("abc")), func(d *wire.Decoder) { d.Bytes() }, "wire: length 4 exceeds the 3 bytes left", nil},
		{"bytes/cut in the length", []byte{0x80}, func(d *wire.Decoder) { d.Bytes() }, "wire: input too short", wire.ErrShort},
		{"string/exceeds", cat(uvarint(1<<40), []byte("abc")), func(d *wire.Decoder) { _ = d.String() }, "wire: length 1099511627776 exceeds the 3 bytes left", nil},
		{"end/trailing", []byte{wire.Version, 0, 0}, func(d *wire.Decoder) { d.Version(); d.End() }, "wire: 2 trailing bytes", nil},
		{"end/trailing after a value", cat(uvarint(300), []byte{1}), func(d *wire.Decoder) { d.Uint(16); d.End() }, "wire: 1 trailing bytes", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := wire.NewDecoder(tt.input)
			tt.read(&d)
			err := d.Err()
			require.EqualError(t, err, tt.want)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
			requireSpent(t, &d, err)
		})
	}
}

// requireSpent checks that d holds err and reads nothing more.
func requireSpent(t *testing.T, d *wire.Decoder, err error) {
	t.Helper()
	require.Empty(t, d.Tail())
	require.Zero(t, d.Uint(64))
	require.Zero(t, d.Int(8))
	require.False(t, d.Bool())
	require.Zero(t, d.Len(1))
	require.Nil(t, d.Bytes())
	require.Empty(t, d.String())
	d.Version()
	d.End()
	require.Same(t, err, d.Err())
}

// TestDecoderStickyError checks that the first error stays: later reads on
// good input, later failures and Fail itself do not replace it.
func TestDecoderStickyError(t *testing.T) {
	d := wire.NewDecoder(cat([]byte{7}, uvarint(42), []byte{2}))
	d.Version()
	first := d.Err()
	require.ErrorIs(t, first, wire.ErrVersion)
	require.Zero(t, d.Uint(64), "a read after an error gives zero, not the next value")
	require.False(t, d.Bool())
	d.Fail(errors.New("second"))
	d.End()
	require.Same(t, first, d.Err())
	requireSpent(t, &d, first)

	d = wire.NewDecoder([]byte{1, 2, 3})
	boom := errors.New("boom")
	d.Fail(boom)
	require.Same(t, boom, d.Err())
	require.Empty(t, d.Tail(), "Fail drops the input")
}

func TestUintRoundTrip(t *testing.T) {
	tests := []struct {
		v    uint64
		size int // encoded bytes
	}{
		{0, 1}, {1, 1}, {127, 1}, {128, 2}, {255, 2}, {256, 2},
		{1<<14 - 1, 2}, {1 << 14, 3}, {math.MaxUint32, 5}, {1 << 63, 10}, {math.MaxUint64, 10},
	}
	for _, tt := range tests {
		enc := wire.AppendUint([]byte("prefix"), tt.v)
		require.Equal(t, binary.AppendUvarint([]byte("prefix"), tt.v), enc, "value %d", tt.v)
		enc = enc[len("prefix"):]
		require.Len(t, enc, tt.size, "value %d", tt.v)
		d := wire.NewDecoder(enc)
		require.Equal(t, tt.v, d.Uint(64))
		d.End()
		require.NoError(t, d.Err())
	}
}

// TestUintBits checks that the largest value of each width decodes.
func TestUintBits(t *testing.T) {
	for _, bits := range []int{8, 16, 32, 64} {
		max := uint64(math.MaxUint64) >> (64 - bits)
		d := wire.NewDecoder(uvarint(max))
		require.Equal(t, max, d.Uint(bits))
		d.End()
		require.NoError(t, d.Err(), "%d bits", bits)
	}
}

func TestIntRoundTrip(t *testing.T) {
	tests := []struct {
		v    int64
		size int
	}{
		{0, 1}, {1, 1}, {-1, 1}, {63, 1}, {-64, 1}, {64, 2}, {-65, 2},
		{math.MaxInt32, 5}, {math.MinInt32, 5}, {math.MaxInt64, 10}, {math.MinInt64, 10},
	}
	for _, tt := range tests {
		enc := wire.AppendInt(nil, tt.v)
		require.Equal(t, binary.AppendVarint(nil, tt.v), enc, "value %d", tt.v)
		require.Len(t, enc, tt.size, "value %d", tt.v)
		d := wire.NewDecoder(enc)
		require.Equal(t, tt.v, d.Int(64))
		d.End()
		require.NoError(t, d.Err())
	}
}

// TestIntBits checks that the smallest and largest value of each width
// decode.
func TestIntBits(t *testing.T) {
	for _, bits := range []int{8, 16, 32, 64} {
		max := int64(math.MaxInt64) >> (64 - bits)
		for _, v := range []int64{-max - 1, -1, 0, max} {
			d := wire.NewDecoder(varint(v))
			require.Equal(t, v, d.Int(bits))
			d.End()
			require.NoError(t, d.Err(), "%d in %d bits", v, bits)
		}
	}
}

func TestBoolRoundTrip(t *testing.T) {
	for _, v := range []bool{false, true} {
		enc := wire.AppendBool(nil, v)
		require.Len(t, enc, 1)
		d := wire.NewDecoder(enc)
		require.Equal(t, v, d.Bool())
		d.End()
		require.NoError(t, d.Err())
	}
}

func TestBytesRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		v    []byte
		want []byte
	}{
		{"nil", nil, nil},
		{"empty decodes as nil", []byte{}, nil},
		{"zero byte", []byte{0}, []byte{0}},
		{"127 bytes", bytes.Repeat([]byte{0xab}, 127), bytes.Repeat([]byte{0xab}, 127)},
		{"128 bytes, two-byte length", bytes.Repeat([]byte{0xcd}, 128), bytes.Repeat([]byte{0xcd}, 128)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := wire.AppendBytes(nil, tt.v)
			d := wire.NewDecoder(enc)
			got := d.Bytes()
			d.End()
			require.NoError(t, d.Err())
			require.Equal(t, tt.want, got)
			if len(got) > 0 {
				enc[len(enc)-1] ^= 0xff
				require.Equal(t, tt.want, got, "the decoded slice shares the input")
			}
		})
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, v := range []string{"", "a", "view-change", "ünïcödé", string(bytes.Repeat([]byte("x"), 300))} {
		d := wire.NewDecoder(wire.AppendString(nil, v))
		require.Equal(t, v, d.String())
		d.End()
		require.NoError(t, d.Err())
	}
}

// TestDecodeSequence encodes a record of every kind after the version byte
// and reads it back, as generated code does.
func TestDecodeSequence(t *testing.T) {
	b := []byte{wire.Version}
	b = wire.AppendUint(b, 1<<40)
	b = wire.AppendInt(b, -3)
	b = wire.AppendBool(b, true)
	b = wire.AppendBytes(b, []byte("op"))
	b = wire.AppendString(b, "s")
	b = wire.AppendUint(b, 2) // a slice of two uint16
	b = wire.AppendUint(b, 7)
	b = wire.AppendUint(b, 65535)

	d := wire.NewDecoder(b)
	d.Version()
	require.Equal(t, uint64(1<<40), d.Uint(64))
	require.Equal(t, int64(-3), d.Int(32))
	require.True(t, d.Bool())
	require.Equal(t, []byte("op"), d.Bytes())
	require.Equal(t, "s", d.String())
	n := d.Len(1)
	require.Equal(t, 2, n)
	require.Len(t, d.Tail(), 4)
	require.Equal(t, uint64(7), d.Uint(16))
	require.Equal(t, uint64(65535), d.Uint(16))
	d.End()
	require.NoError(t, d.Err())
}

// TestFingerprintFixed pins the function: a change to it changes every
// stored fingerprint, so it must be deliberate.
func TestFingerprintFixed(t *testing.T) {
	require.Equal(t, uint64(0xd8a310150df90781), wire.Fingerprint(nil))
	require.Equal(t, uint64(0xd8a310150df90781), wire.Fingerprint([]byte{}))
	require.Equal(t, uint64(0xd19818097dba67ff), wire.Fingerprint([]byte{0}))
	require.Equal(t, uint64(0x07f25c10ff401fcb), wire.Fingerprint([]byte("viewstamped replication")))
}

func TestFingerprintDeterministic(t *testing.T) {
	b := pattern(100)
	want := wire.Fingerprint(b)
	require.Equal(t, want, wire.Fingerprint(bytes.Clone(b)))
	require.Equal(t, pattern(100), b, "Fingerprint changes its input")
	for range 3 {
		require.Equal(t, want, wire.Fingerprint(b))
	}
}

// TestFingerprintLength checks that every prefix of a buffer, from empty to
// 64 bytes, has its own value: the length counts, even for zero bytes.
func TestFingerprintLength(t *testing.T) {
	require.NotEqual(t, wire.Fingerprint([]byte("")), wire.Fingerprint([]byte("\x00")))
	for _, buf := range [][]byte{make([]byte, 64), pattern(64)} {
		seen := map[uint64]int{}
		for n := 0; n <= len(buf); n++ {
			h := wire.Fingerprint(buf[:n])
			if m, ok := seen[h]; ok {
				t.Fatalf("lengths %d and %d of % x share fingerprint %#x", m, n, buf, h)
			}
			seen[h] = n
		}
	}
}

// TestFingerprintOneByte checks that changing any one byte, in the 8-byte
// blocks or in the tail, changes the value, and that no two such changes
// collide.
func TestFingerprintOneByte(t *testing.T) {
	for _, size := range []int{1, 7, 8, 9, 64, 67} {
		base := pattern(size)
		seen := map[uint64]string{wire.Fingerprint(base): "unchanged"}
		for i := range base {
			for _, flip := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(base)
				b[i] ^= flip
				h := wire.Fingerprint(b)
				what := fmt.Sprintf("byte %d ^ %#x", i, flip)
				if prev, ok := seen[h]; ok {
					t.Fatalf("size %d: %s collides with %s: %#x", size, what, prev, h)
				}
				seen[h] = what
			}
		}
	}
}

// pattern returns n bytes that differ from each other.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*37 + 11)
	}
	return b
}

// fingerprintSink keeps the benchmark's result alive.
var fingerprintSink uint64

// BenchmarkFingerprint64 hashes a 64-byte input, the size of a small
// message.
func BenchmarkFingerprint64(b *testing.B) {
	buf := pattern(64)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		fingerprintSink = wire.Fingerprint(buf)
	}
}

// FuzzDecoder reads an arbitrary input as a record of every kind. The
// decoder must never panic, and what it accepts must encode to an input it
// reads back the same.
func FuzzDecoder(f *testing.F) {
	good := []byte{wire.Version}
	good = wire.AppendUint(good, 300)
	good = wire.AppendInt(good, -7)
	good = wire.AppendBool(good, true)
	good = wire.AppendBytes(good, []byte("op"))
	good = wire.AppendString(good, "s")
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{wire.Version, 0x80})
	f.Add([]byte{wire.Version, 0, 0, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		type record struct {
			u uint64
			i int64
			b bool
			p []byte
			s string
		}
		read := func(in []byte) (record, error) {
			d := wire.NewDecoder(in)
			d.Version()
			r := record{u: d.Uint(32), i: d.Int(16), b: d.Bool(), p: d.Bytes(), s: d.String()}
			d.End()
			return r, d.Err()
		}
		r, err := read(in)
		if err != nil {
			return
		}
		enc := []byte{wire.Version}
		enc = wire.AppendUint(enc, r.u)
		enc = wire.AppendInt(enc, r.i)
		enc = wire.AppendBool(enc, r.b)
		enc = wire.AppendBytes(enc, r.p)
		enc = wire.AppendString(enc, r.s)
		again, err := read(enc)
		require.NoError(t, err)
		require.Equal(t, r, again)
	})
}

// TestAliasDecoder checks that an alias decoder shares the input's memory,
// with a capacity that keeps an append from writing into it, and that a
// plain decoder copies.
func TestAliasDecoder(t *testing.T) {
	in := wire.AppendBytes(nil, []byte("abc"))
	in = append(in, 'z')
	d := wire.NewAliasDecoder(in)
	v := d.Bytes()
	require.Equal(t, []byte("abc"), v)
	require.Equal(t, 3, cap(v))
	in[1] = 'X'
	require.Equal(t, []byte("Xbc"), v, "shares the input")

	in = wire.AppendBytes(nil, []byte("abc"))
	d = wire.NewDecoder(in)
	v = d.Bytes()
	in[1] = 'X'
	require.Equal(t, []byte("abc"), v, "copies the input")
}
