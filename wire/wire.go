// Package wire holds the primitives of the binary encoding that vsrgen emits
// for messages and replica state: unsigned varints for integers, a length
// prefix for strings, byte slices and slices, and a 64-bit fingerprint of a
// canonical encoding. Decoding never panics: every read checks its bounds and
// returns an error.
//
// Generated code imports this package; it must never import anything beyond
// the standard library's pure packages.
//
// Every value has exactly one encoding: a decoder rejects varints that are
// not in shortest form, so that the bytes of a decoded value are the bytes
// it encodes to.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Version is the first byte of every top-level encoding. A decoder rejects
// any other value.
const Version byte = 1

// ErrShort is returned when the input ends inside a value.
var ErrShort = errors.New("wire: input too short")

// ErrVersion is returned for an unknown version byte.
var ErrVersion = errors.New("wire: unknown version")

// Decoder reads values from a byte slice. The first error sticks: later
// reads return zero values, and Err reports it.
type Decoder struct {
	b     []byte
	err   error
	alias bool
}

// NewDecoder returns a decoder over b. Byte slices it decodes are copies.
func NewDecoder(b []byte) Decoder { return Decoder{b: b} }

// NewAliasDecoder returns a decoder over b whose byte slices share b's
// memory, for a caller that never changes b nor the slices decoded from
// it: the model checker, whose states are immutable encodings.
func NewAliasDecoder(b []byte) Decoder { return Decoder{b: b, alias: true} }

// Err returns the first error met, if any.
func (d *Decoder) Err() error { return d.err }

// Tail returns the bytes not yet read.
func (d *Decoder) Tail() []byte { return d.b }

// Fail records err unless an error is already recorded.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

// Version reads and checks the version byte.
func (d *Decoder) Version() {
	if d.err != nil {
		return
	}
	if len(d.b) == 0 {
		d.Fail(ErrShort)
		return
	}
	if d.b[0] != Version {
		d.Fail(fmt.Errorf("%w %d", ErrVersion, d.b[0]))
		return
	}
	d.b = d.b[1:]
}

// Uint reads an unsigned varint that must fit in the given number of bits.
func (d *Decoder) Uint(bitSize int) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		if n == 0 {
			d.Fail(ErrShort)
		} else {
			d.Fail(errors.New("wire: varint overflows 64 bits"))
		}
		return 0
	}
	if n > 1 && d.b[n-1] == 0 {
		d.Fail(errors.New("wire: varint not in shortest form"))
		return 0
	}
	if bitSize < 64 && v>>uint(bitSize) != 0 {
		d.Fail(fmt.Errorf("wire: value %d overflows %d bits", v, bitSize))
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Int reads a zigzag varint that must fit in the given number of bits.
func (d *Decoder) Int(bitSize int) int64 {
	u := d.Uint(64)
	v := int64(u>>1) ^ -int64(u&1)
	if bitSize < 64 && (v < -1<<(bitSize-1) || v >= 1<<(bitSize-1)) {
		d.Fail(fmt.Errorf("wire: value %d overflows int%d", v, bitSize))
		return 0
	}
	return v
}

// Bool reads one byte that must be 0 or 1.
func (d *Decoder) Bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 {
		d.Fail(ErrShort)
		return false
	}
	c := d.b[0]
	if c > 1 {
		d.Fail(fmt.Errorf("wire: bool byte %d", c))
		return false
	}
	d.b = d.b[1:]
	return c == 1
}

// Len reads a length prefix of a sequence whose elements take at least
// minSize bytes each, and checks that the input can hold that many, so that
// a corrupt length never causes a large allocation.
func (d *Decoder) Len(minSize int) int {
	n := d.Uint(64)
	if d.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if n > uint64(len(d.b)/minSize) {
		d.Fail(fmt.Errorf("wire: length %d exceeds the %d bytes left", n, len(d.b)))
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte slice into a new slice. A zero length
// gives nil.
func (d *Decoder) Bytes() []byte {
	n := d.Len(1)
	if d.err != nil || n == 0 {
		return nil
	}
	var v []byte
	if d.alias {
		v = d.b[:n:n]
	} else {
		v = make([]byte, n)
		copy(v, d.b)
	}
	d.b = d.b[n:]
	return v
}

// String reads a length-prefixed string.
func (d *Decoder) String() string {
	n := d.Len(1)
	if d.err != nil || n == 0 {
		return ""
	}
	v := string(d.b[:n])
	d.b = d.b[n:]
	return v
}

// End records an error if input is left over.
func (d *Decoder) End() {
	if d.err == nil && len(d.b) != 0 {
		d.Fail(fmt.Errorf("wire: %d trailing bytes", len(d.b)))
	}
}

// AppendUint appends v as an unsigned varint.
func AppendUint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// AppendInt appends v as a zigzag varint.
func AppendInt(b []byte, v int64) []byte {
	return AppendUint(b, uint64(v<<1)^uint64(v>>63))
}

// AppendBool appends v as one byte.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendBytes appends v with a length prefix.
func AppendBytes(b []byte, v []byte) []byte {
	b = AppendUint(b, uint64(len(v)))
	return append(b, v...)
}

// AppendString appends v with a length prefix.
func AppendString(b []byte, v string) []byte {
	b = AppendUint(b, uint64(len(v)))
	return append(b, v...)
}

const (
	prime1 = 0x9E3779B185EBCA87
	prime2 = 0xC2B2AE3D27D4EB4F
	prime3 = 0x165667B19E3779F9
)

// Fingerprint returns a 64-bit hash of b, the same on every run and every
// machine. It reads eight bytes a step and mixes with multiply-xorshift
// rounds, as xxHash does.
func Fingerprint(b []byte) uint64 {
	h := uint64(len(b))*prime1 ^ prime3
	for len(b) >= 8 {
		k := binary.LittleEndian.Uint64(b)
		h ^= mix(k)
		h = bits.RotateLeft64(h, 27)*prime1 + prime2
		b = b[8:]
	}
	if len(b) > 0 {
		var tail [8]byte
		copy(tail[:], b)
		h ^= mix(binary.LittleEndian.Uint64(tail[:]) ^ uint64(len(b))<<56)
		h = bits.RotateLeft64(h, 27)*prime1 + prime2
	}
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

func mix(k uint64) uint64 {
	k *= prime2
	k = bits.RotateLeft64(k, 31)
	return k * prime1
}
