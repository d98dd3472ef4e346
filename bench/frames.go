package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/viewstamped/vsr/runtime"
)

// The etcd and skeleton systems carry frames as the project does
// (runtime.AppendFrame, runtime.ReadFrame): a 4-byte big-endian length,
// then the body.

// maxFrame bounds a frame the etcd and skeleton systems read.
const maxFrame = 64 << 20

// queueFrames bounds each connection's queue of frames to write.
const queueFrames = 4096

// writeFrames writes the frames queued on queue to c, as many as are
// queued in one buffered write, flushing when the queue is empty, until
// done is closed or a write fails.
func writeFrames(c net.Conn, queue <-chan []byte, done <-chan struct{}) error {
	w := bufio.NewWriterSize(c, 64<<10)
	for {
		var frame []byte
		select {
		case frame = <-queue:
		case <-done:
			return nil
		}
		for more := true; more; {
			if _, err := w.Write(frame); err != nil {
				return err
			}
			select {
			case frame = <-queue:
			default:
				more = false
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

// listenLoopback returns n listeners on loopback ports of the system's
// choosing and their addresses.
func listenLoopback(n int) ([]net.Listener, []string, error) {
	var ls []net.Listener
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			closeAll(ls)
			return nil, nil, err
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	return ls, addrs, nil
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}

// isClosed reports whether err only says that a connection ended.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// group runs goroutines that end with its context, and waits for them.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newGroup() *group {
	g := &group{}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g
}

// Go runs fn in a goroutine of the group.
func (g *group) Go(fn func()) { g.wg.Go(fn) }

// Serve accepts connections on l until the group ends, running serve on
// each in a goroutine of the group; each connection is closed when serve
// returns or the group ends.
func (g *group) Serve(l net.Listener, serve func(c net.Conn)) {
	stop := context.AfterFunc(g.ctx, func() { l.Close() })
	g.Go(func() {
		defer stop()
		defer l.Close()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			g.Go(func() {
				stop := context.AfterFunc(g.ctx, func() { c.Close() })
				defer stop()
				defer c.Close()
				serve(c)
			})
		}
	})
}

// Stop ends the group's context and waits for its goroutines.
func (g *group) Stop() {
	g.cancel()
	g.wg.Wait()
}

// readFrames reads the frames of connection c and hands each to fn, whose
// argument is valid until it returns, until c ends, a frame is malformed
// or fn returns false. A failure of the connection while ctx lives counts
// in faults; fn counts its own.
func readFrames(ctx context.Context, c net.Conn, faults *atomic.Uint64, fn func(b []byte) bool) {
	r := bufio.NewReaderSize(c, 64<<10)
	var buf []byte
	for {
		b, err := runtime.ReadFrame(r, buf, maxFrame)
		if err != nil {
			if !isClosed(err) && ctx.Err() == nil {
				faults.Add(1)
			}
			return
		}
		buf = b[:0]
		if !fn(b) {
			return
		}
	}
}

// inflight holds the operations in flight by ID, each with the channel
// its Do waits on.
type inflight struct {
	mu sync.Mutex
	m  map[uint64]chan struct{}
}

func newInflight() *inflight { return &inflight{m: map[uint64]chan struct{}{}} }

// add puts operation id in flight and returns the channel done signals.
func (f *inflight) add(id uint64) chan struct{} {
	ch := make(chan struct{}, 1)
	f.mu.Lock()
	f.m[id] = ch
	f.mu.Unlock()
	return ch
}

// forget takes id out of flight without completing it.
func (f *inflight) forget(id uint64) {
	f.mu.Lock()
	delete(f.m, id)
	f.mu.Unlock()
}

// done completes operation id, if it is still in flight.
func (f *inflight) done(id uint64) {
	f.mu.Lock()
	ch := f.m[id]
	delete(f.m, id)
	f.mu.Unlock()
	if ch != nil {
		ch <- struct{}{}
	}
}

// wait waits until operation id, whose channel is ch, is done, ctx ends
// (the operation is then forgotten) or the system stops.
func (f *inflight) wait(ctx, system context.Context, id uint64, ch chan struct{}, stopped error) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		f.forget(id)
		return ctx.Err()
	case <-system.Done():
		return stopped
	}
}
