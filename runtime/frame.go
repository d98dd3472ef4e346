package runtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/viewstamped/vsr/wire"
)

// A connection carries frames: a 4-byte big-endian length, then that many
// bytes. The first frame each way is a handshake (hello); every later one
// is a message of the generated codec (generated.AppendMessage).
const frameHeader = 4

// DefaultMaxFrame bounds a frame unless Config.MaxFrame says otherwise:
// large enough for the log a view change carries in a long-running
// cluster, small enough that a hostile length cannot make a replica
// allocate without bound.
const DefaultMaxFrame = 64 << 20

// Errors of the frame reader. A connection that yields one is closed.
var (
	ErrFrameTooLarge = errors.New("frame larger than the limit")
	ErrEmptyFrame    = errors.New("empty frame")
)

// AppendFrame appends msg as a frame to b.
func AppendFrame(b, msg []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(msg)))
	return append(b, msg...)
}

// ReadFrame reads one frame from r, into buf when it is large enough, and
// returns its body, valid until the next read into buf. It returns io.EOF
// when r ends between frames, and an error for a frame that is empty,
// larger than limit or cut short.
func ReadFrame(r *bufio.Reader, buf []byte, limit int) ([]byte, error) {
	var head [frameHeader]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("frame header: %w", err)
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:])
	switch {
	case n == 0:
		return nil, ErrEmptyFrame
	case uint64(n) > uint64(limit):
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrFrameTooLarge, n, limit)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("frame body: %w", err)
	}
	return buf, nil
}

// Roles of the two ends of a connection.
const (
	roleReplica byte = 1
	roleClient  byte = 2
)

// helloMagic begins every handshake, so that a stranger speaking another
// protocol is refused at once.
var helloMagic = [4]byte{'V', 'S', 'R', 1}

// hello is the handshake: each end's first frame says who it is. A replica
// says its index, the random ID of its process (boot), and whether it is
// fresh: bootstrapping a new cluster and not yet started, or started so and
// still in the initial state (see Config.Bootstrap). A client says nothing
// more.
type hello struct {
	role    byte
	cluster uint64
	replica int
	boot    uint64
	fresh   bool
}

func (h *hello) append(b []byte) []byte {
	b = append(b, helloMagic[:]...)
	b = append(b, h.role)
	b = wire.AppendUint(b, h.cluster)
	b = wire.AppendUint(b, uint64(h.replica))
	b = wire.AppendUint(b, h.boot)
	return wire.AppendBool(b, h.fresh)
}

func parseHello(b []byte) (hello, error) {
	var h hello
	if len(b) < len(helloMagic) || [4]byte(b[:4]) != helloMagic {
		return h, errors.New("handshake: not a vsr handshake")
	}
	d := wire.NewDecoder(b[4:])
	h.role = byte(d.Uint(8))
	h.cluster = d.Uint(64)
	h.replica = int(d.Uint(8))
	h.boot = d.Uint(64)
	h.fresh = d.Bool()
	d.End()
	if err := d.Err(); err != nil {
		return h, fmt.Errorf("handshake: %w", err)
	}
	if h.role != roleReplica && h.role != roleClient {
		return h, fmt.Errorf("handshake: role %d: want a replica or a client", h.role)
	}
	return h, nil
}
