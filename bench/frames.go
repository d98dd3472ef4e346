package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
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
