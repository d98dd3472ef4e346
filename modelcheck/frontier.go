package modelcheck

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Breadth-first search keeps on disk what grows with the number of states,
// so that memory holds the fingerprint set and little else: each level of
// the frontier is a file, written while the level before it is read, both
// sequentially through large buffers; and the parent and ordinal of every
// state, which rebuild a counterexample's path, go to a file in the order
// of the states' indexes, read back only to rebuild a path.

// ioBuffer is the size of the buffers of the frontier's files.
const ioBuffer = 1 << 20

// spill is the directory of one search's files.
type spill struct {
	dir string
	// parents holds, for state i, at offset 8i, its parent's index and the
	// ordinal of the step from the parent, little-endian uint32s.
	parents   *os.File
	parentsW  *bufio.Writer
	level     int
	next      *levelWriter // the level being written
	nextIndex uint32       // the index the next new state gets
	mu        sync.Mutex   // guards next, parentsW and nextIndex
}

func newSpill(tmp string) (*spill, error) {
	dir, err := os.MkdirTemp(tmp, "vsrcheck-")
	if err != nil {
		return nil, fmt.Errorf("modelcheck: a directory for the frontier: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "parents"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("modelcheck: %w", err)
	}
	return &spill{dir: dir, parents: f, parentsW: bufio.NewWriterSize(f, ioBuffer)}, nil
}

// close removes the search's files.
func (s *spill) close() {
	if s.next != nil {
		s.next.f.Close()
	}
	s.parents.Close()
	os.RemoveAll(s.dir)
}

// startLevel opens the file of the next level.
func (s *spill) startLevel() error {
	s.level++
	f, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("level-%d", s.level)))
	if err != nil {
		return fmt.Errorf("modelcheck: %w", err)
	}
	s.next = &levelWriter{f: f, w: bufio.NewWriterSize(f, ioBuffer)}
	return nil
}

// add numbers the states of a worker's batch, in order, and writes them to
// the next level and their parents to the parents' file. It reports false,
// and adds nothing, when the indexes would pass limit.
func (s *spill) add(b *batch, limit int) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if int(s.nextIndex)+len(b.lens) > limit {
		return false, nil
	}
	var rec [8]byte
	off := 0
	for i, n := range b.lens {
		if err := s.next.write(s.nextIndex, b.data[off:off+n]); err != nil {
			return false, err
		}
		off += n
		binary.LittleEndian.PutUint32(rec[:4], b.parents[i])
		binary.LittleEndian.PutUint32(rec[4:], b.ords[i])
		if _, err := s.parentsW.Write(rec[:]); err != nil {
			return false, fmt.Errorf("modelcheck: the parents' file: %w", err)
		}
		s.nextIndex++
	}
	return true, nil
}

// endLevel finishes the level being written and returns a reader of it and
// its number of states; the file goes when the reader is closed.
func (s *spill) endLevel() (*levelReader, int, error) {
	lw := s.next
	s.next = nil
	if err := lw.w.Flush(); err != nil {
		lw.f.Close()
		return nil, 0, fmt.Errorf("modelcheck: the frontier's file: %w", err)
	}
	if _, err := lw.f.Seek(0, io.SeekStart); err != nil {
		lw.f.Close()
		return nil, 0, fmt.Errorf("modelcheck: %w", err)
	}
	return &levelReader{f: lw.f, r: bufio.NewReaderSize(lw.f, ioBuffer)}, lw.n, nil
}

// path returns the successor ordinals from the initial state to state i.
func (s *spill) path(i uint32) ([]uint32, error) {
	s.mu.Lock()
	err := s.parentsW.Flush()
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("modelcheck: the parents' file: %w", err)
	}
	var p []uint32
	var rec [8]byte
	for i != 0 {
		if _, err := s.parents.ReadAt(rec[:], int64(i)*8); err != nil {
			return nil, fmt.Errorf("modelcheck: the parents' file, state %d: %w", i, err)
		}
		p = append(p, binary.LittleEndian.Uint32(rec[4:]))
		i = binary.LittleEndian.Uint32(rec[:4])
	}
	for l, r := 0, len(p)-1; l < r; l, r = l+1, r-1 {
		p[l], p[r] = p[r], p[l]
	}
	return p, nil
}

// levelWriter writes a level's states: an index (uint32), a length
// (uvarint) and the encoding, each.
type levelWriter struct {
	f *os.File
	w *bufio.Writer
	n int
}

func (lw *levelWriter) write(index uint32, state []byte) error {
	var head [4 + binary.MaxVarintLen64]byte
	binary.LittleEndian.PutUint32(head[:4], index)
	k := 4 + binary.PutUvarint(head[4:], uint64(len(state)))
	if _, err := lw.w.Write(head[:k]); err != nil {
		return fmt.Errorf("modelcheck: the frontier's file: %w", err)
	}
	if _, err := lw.w.Write(state); err != nil {
		return fmt.Errorf("modelcheck: the frontier's file: %w", err)
	}
	lw.n++
	return nil
}

// levelReader reads a level's states, for several workers: each takes a
// batch at a time.
type levelReader struct {
	mu sync.Mutex
	f  *os.File
	r  *bufio.Reader
}

// read appends up to n states to b (their encodings one after the other
// in data, their lengths and indexes) and reports how many it read; 0 at
// the end of the level.
func (lr *levelReader) read(b *batch, n int) (int, error) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	var head [4]byte
	for k := 0; k < n; k++ {
		if _, err := io.ReadFull(lr.r, head[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return k, nil
			}
			return k, fmt.Errorf("modelcheck: the frontier's file: %w", err)
		}
		size, err := binary.ReadUvarint(lr.r)
		if err != nil {
			return k, fmt.Errorf("modelcheck: the frontier's file: %w", err)
		}
		start := len(b.data)
		b.data = slices.Grow(b.data, int(size))[:start+int(size)]
		if _, err := io.ReadFull(lr.r, b.data[start:]); err != nil {
			return k, fmt.Errorf("modelcheck: the frontier's file: %w", err)
		}
		b.lens = append(b.lens, int(size))
		b.parents = append(b.parents, binary.LittleEndian.Uint32(head[:]))
	}
	return n, nil
}

// close closes the level's file and removes it.
func (lr *levelReader) close() {
	lr.f.Close()
	os.Remove(lr.f.Name())
}

// batch is a run of encoded states: their encodings one after the other,
// their lengths, and for each its parent (or, read from a level, its own
// index) and ordinal.
type batch struct {
	data    []byte
	lens    []int
	parents []uint32
	ords    []uint32
}

func (b *batch) reset() {
	b.data, b.lens, b.parents, b.ords = b.data[:0], b.lens[:0], b.parents[:0], b.ords[:0]
}
