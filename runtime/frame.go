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

// A message larger than a chunk (Config.ChunkSize) travels between
// replicas as chunk frames, so that no frame outgrows a bound whatever the
// size of the checkpoint a message carries. A chunk frame's body is
// chunkMark, which no message begins with (a message begins with
// wire.Version), then the message's size and the offset of the chunk's
// bytes in it, as unsigned varints, then those bytes. The chunks of a
// message follow each other on their connection, in order: one writer
// writes each connection's frames.
const chunkMark = 0xc4

// The chunking of messages unless Config says otherwise: chunks of at most
// DefaultChunkSize bytes, and messages of at most DefaultMaxMessage bytes
// put back together.
const (
	DefaultChunkSize  = 1 << 20
	DefaultMaxMessage = 1 << 30
)

// chunkHeadMax bounds the bytes of a chunk frame's body before the
// message's bytes.
const chunkHeadMax = 1 + 2*binary.MaxVarintLen64

// writeMessage writes msg as one frame, or, when it is larger than chunk,
// as chunk frames of at most chunk of its bytes each; chunk 0 never
// splits.
func writeMessage(w *bufio.Writer, msg []byte, chunk int) error {
	if chunk <= 0 || len(msg) <= chunk {
		return writeFrame(w, nil, msg)
	}
	for off := 0; off < len(msg); off += chunk {
		var head [chunkHeadMax]byte
		h := append(head[:0], chunkMark)
		h = binary.AppendUvarint(h, uint64(len(msg)))
		h = binary.AppendUvarint(h, uint64(off))
		if err := writeFrame(w, h, msg[off:min(off+chunk, len(msg))]); err != nil {
			return err
		}
	}
	return nil
}

// writeFrame writes a frame whose body is head then body.
func writeFrame(w *bufio.Writer, head, body []byte) error {
	// The frame's header goes into the writer's own buffer, so that it
	// costs no allocation of its own.
	if w.Available() < frameHeader {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if _, err := w.Write(binary.BigEndian.AppendUint32(w.AvailableBuffer(), uint32(len(head)+len(body)))); err != nil {
		return err
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// IsChunk reports whether a frame's body is a chunk of a message.
func IsChunk(b []byte) bool { return len(b) > 0 && b[0] == chunkMark }

// Assembler puts the chunk frames of one connection back together into
// messages of at most Limit bytes.
type Assembler struct {
	Limit int
	buf   []byte
	total int
}

// assembleGrow bounds what a first chunk makes the assembler allocate for
// its message: the rest grows as the chunks arrive, so that a hostile size
// costs no more than the bytes really sent.
const assembleGrow = 4 << 20

// Add takes the body of a chunk frame and returns the whole message when
// this was its last chunk, nil before; the message's memory is its own.
// It returns an error for a chunk that is malformed, does not continue
// the message its connection is sending, or belongs to a message larger
// than the limit: the connection must then be closed.
func (a *Assembler) Add(b []byte) ([]byte, error) {
	if !IsChunk(b) {
		return nil, errors.New("chunk: not a chunk frame")
	}
	d := wire.NewDecoder(b[1:])
	total, off := d.Uint(64), d.Uint(64)
	data := d.Tail()
	switch {
	case d.Err() != nil:
		return nil, fmt.Errorf("chunk: %w", d.Err())
	case total > uint64(a.Limit):
		return nil, fmt.Errorf("chunk: a message of %d bytes, the limit is %d", total, a.Limit)
	case len(data) == 0 || off+uint64(len(data)) > total:
		return nil, fmt.Errorf("chunk: %d bytes at offset %d of a message of %d", len(data), off, total)
	case off == 0 && a.buf != nil, off != 0 && (a.buf == nil || off != uint64(len(a.buf)) || total != uint64(a.total)):
		return nil, fmt.Errorf("chunk: offset %d of a message of %d does not continue the %d bytes of %d received", off, total, len(a.buf), a.total)
	}
	if off == 0 {
		a.buf, a.total = make([]byte, 0, min(total, assembleGrow)), int(total)
	}
	a.buf = append(a.buf, data...)
	if len(a.buf) < a.total {
		return nil, nil
	}
	msg := a.buf
	a.buf, a.total = nil, 0
	return msg, nil
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
