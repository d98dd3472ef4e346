package runtime_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/wire"
)

// rawHello is a handshake frame as the transport writes it.
func rawHello(role byte, cluster uint64, replica int, boot uint64) []byte {
	b := []byte{'V', 'S', 'R', 1, role}
	b = wire.AppendUint(b, cluster)
	b = wire.AppendUint(b, uint64(replica))
	b = wire.AppendUint(b, boot)
	return runtime.AppendFrame(nil, wire.AppendBool(b, false))
}

func message(t *testing.T, m any) []byte {
	t.Helper()
	b, err := generated.AppendMessage(nil, m)
	require.NoError(t, err)
	return runtime.AppendFrame(nil, b)
}

// TestRejectsBadInput connects to a replica and sends it what a replica
// or client must not: each connection is closed, each refusal counted,
// and the cluster serves on. The impostor claims to be replica 2, which
// is down, so that the real one does not take its place back meanwhile.
func TestRejectsBadInput(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(1)
	do(t, cl, "before")
	c.Kill(2)
	oversized := binary.BigEndian.AppendUint32(nil, runtime.DefaultMaxFrame+1)
	const replica, client = 1, 2
	for _, tt := range []struct {
		name  string
		bytes [][]byte
	}{
		{"not a handshake", [][]byte{[]byte("GET / HTTP/1.1\r\n\r\n")}},
		{"another cluster", [][]byte{rawHello(replica, c.ID+1, 1, 7)}},
		{"no such replica", [][]byte{rawHello(replica, c.ID, 3, 7)}},
		{"oversized frame", [][]byte{rawHello(replica, c.ID, 2, 7), oversized}},
		{"empty frame", [][]byte{rawHello(replica, c.ID, 2, 7), {0, 0, 0, 0}}},
		{"malformed message", [][]byte{rawHello(replica, c.ID, 2, 7), runtime.AppendFrame(nil, []byte{wire.Version, 2, 0xff})}},
		{"another sender", [][]byte{rawHello(replica, c.ID, 2, 7), message(t, spec.PrepareOK{Replica: 1, CrashVector: zeroVector})}},
		{"a client sends a Prepare", [][]byte{rawHello(client, c.ID, 0, 0), message(t, spec.Prepare{CrashVector: zeroVector})}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Server(0).Counters().Rejected
			conn, err := net.Dial("tcp", c.Addrs[0])
			require.NoError(t, err)
			defer conn.Close()
			for _, b := range tt.bytes {
				conn.Write(b)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.Copy(io.Discard, conn)
			require.NoError(t, err, "the replica closes the connection")
			c.Eventually("the refusal to be counted", func() bool { return c.Server(0).Counters().Rejected == before+1 })
		})
	}
	do(t, cl, "after")
	require.Len(t, c.converged(), 2)
}

// TestImpostorDoesNotStick: a connection that claims to be replica 1 of
// another process takes its place, the real replica 1 dials again, and
// the cluster serves with all three.
func TestImpostorDoesNotStick(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(1)
	do(t, cl, "before")
	conn, err := net.Dial("tcp", c.Addrs[0])
	require.NoError(t, err)
	conn.Write(rawHello(1, c.ID, 1, 7))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, conn)
	conn.Close()
	for i := range 10 {
		do(t, cl, fmt.Sprintf("after%d", i))
	}
	require.Len(t, c.converged(), 11)
}

// certs is a CA and certificates it signed.
type certs struct {
	pool *x509.CertPool
	key  *ecdsa.PrivateKey
	ca   *x509.Certificate
}

func newCA(t *testing.T) *certs {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cluster CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &certs{pool: pool, key: key, ca: ca}
}

func (c *certs) issue(t *testing.T, name string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, c.ca, &key.PublicKey, c.key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestMutualTLS runs a cluster whose replicas and client hold certificates
// of the cluster's CA; a client without a certificate, or with one of
// another CA, does not get in.
func TestMutualTLS(t *testing.T) {
	ca := newCA(t)
	var listeners []net.Listener
	var addrs []string
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		listeners = append(listeners, l)
		addrs = append(addrs, l.Addr().String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 3)
	for i := range 3 {
		s, err := runtime.NewServer(runtime.Config{ClusterID: 1, Addrs: addrs, Index: i, Bootstrap: true, Listener: listeners[i],
			Tick: 5 * time.Millisecond, Timing: fastTiming, TLS: runtime.TLSConfig(ca.issue(t, fmt.Sprintf("replica %d", i)), ca.pool),
			NewStateMachine: func() runtime.StateMachine { return &counter{} }})
		require.NoError(t, err)
		go func() { done <- s.Run(ctx) }()
	}
	defer func() {
		cancel()
		for range 3 {
			require.NoError(t, <-done)
		}
	}()
	newClient := func(cfg *tls.Config) *runtime.Client {
		cl, err := runtime.NewClient(runtime.ClientConfig{ClusterID: 1, Addrs: addrs, Sessions: 1, Resend: 50 * time.Millisecond, TLS: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { cl.Close() })
		return cl
	}
	require.Equal(t, "1:op", do(t, newClient(runtime.TLSConfig(ca.issue(t, "client"), ca.pool)), "op"))

	other := newCA(t)
	stranger := runtime.TLSConfig(other.issue(t, "stranger"), ca.pool)
	noCert := &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}
	for _, cfg := range []*tls.Config{stranger, noCert} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := newClient(cfg).Do(ctx, []byte("op"))
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	// A plain TCP connection gets no handshake either.
	conn, err := net.Dial("tcp", addrs[0])
	require.NoError(t, err)
	defer conn.Close()
	conn.Write(rawHello(2, 1, 0, 0))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = runtime.ReadFrame(bufio.NewReader(conn), nil, 64)
	require.Error(t, err)
}

// FuzzFrames feeds arbitrary bytes to the frame reader and decodes every
// frame it returns as a handshake and as a message: nothing panics, and a
// frame is never longer than the limit.
func FuzzFrames(f *testing.F) {
	f.Add(rawHello(1, 7, 2, 9))
	f.Add(append(rawHello(2, 7, 0, 0), runtime.AppendFrame(nil, []byte{wire.Version, 1, 0})...))
	prepare, _ := generated.AppendMessage(nil, spec.Prepare{View: 3, Requests: []spec.Request{{Op: []byte("op"), Client: 1, Request: 1}}, Op: 4, CrashVector: zeroVector})
	f.Add(runtime.AppendFrame(nil, prepare))
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Add([]byte{0, 0, 0, 9, 1, 2})
	f.Add([]byte{0, 0, 0, 5, 0xc4, 4, 0, 'a', 'b', 0, 0, 0, 5, 0xc4, 4, 2, 'c', 'd'})
	f.Fuzz(func(t *testing.T, b []byte) {
		const limit = 1 << 10
		r := bufio.NewReader(bytes.NewReader(b))
		var buf []byte
		chunks := runtime.Assembler{Limit: 4 * limit}
		for {
			frame, err := runtime.ReadFrame(r, buf, limit)
			if err != nil {
				return
			}
			if len(frame) == 0 || len(frame) > limit {
				t.Fatalf("a frame of %d bytes", len(frame))
			}
			if runtime.IsChunk(frame) {
				whole, err := chunks.Add(frame)
				if err != nil {
					return
				}
				if len(whole) > 4*limit {
					t.Fatalf("a message of %d bytes from chunks", len(whole))
				}
				if whole != nil {
					generated.UnmarshalMessage(whole)
				}
				buf = frame[:0]
				continue
			}
			runtime.ParseHello(frame)
			if m, err := generated.UnmarshalMessage(frame); err == nil {
				runtime.CheckSender(spec.Config{Replicas: 3}, 1, m)
			}
			buf = frame[:0]
		}
	})
}

// TestChunks writes messages larger than a chunk as chunk frames and puts
// them back together; a chunk out of its place, of a message larger than
// the limit, or malformed is an error.
func TestChunks(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 1000)
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	for _, msg := range [][]byte{[]byte("small"), big, big[:300]} {
		require.NoError(t, runtime.WriteMessage(w, msg, 256))
	}
	require.NoError(t, w.Flush())
	r := bufio.NewReader(&out)
	a := runtime.Assembler{Limit: len(big)}
	var got [][]byte
	var frames []int
	for {
		b, err := runtime.ReadFrame(r, nil, 256+32)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		frames = append(frames, len(b))
		if !runtime.IsChunk(b) {
			got = append(got, b)
			continue
		}
		whole, err := a.Add(b)
		require.NoError(t, err)
		if whole != nil {
			got = append(got, whole)
		}
	}
	require.Equal(t, [][]byte{[]byte("small"), big, big[:300]}, got)
	require.Len(t, frames, 1+40+2, "10,000 bytes in chunks of 256, then 300")

	chunk := func(total, off uint64, data string) []byte {
		b := wire.AppendUint([]byte{0xc4}, total)
		return append(wire.AppendUint(b, off), data...)
	}
	for _, tt := range []struct {
		name   string
		chunks [][]byte
		want   string
	}{
		{"too large", [][]byte{chunk(11, 0, "abc")}, "a message of 11 bytes, the limit is 10"},
		{"beyond its message", [][]byte{chunk(4, 2, "abc")}, "3 bytes at offset 2 of a message of 4"},
		{"empty", [][]byte{chunk(4, 0, "")}, "0 bytes at offset 0 of a message of 4"},
		{"a gap", [][]byte{chunk(6, 0, "ab"), chunk(6, 3, "cd")}, "offset 3 of a message of 6 does not continue the 2 bytes of 6 received"},
		{"another message", [][]byte{chunk(6, 0, "ab"), chunk(7, 2, "cd")}, "offset 2 of a message of 7 does not continue the 2 bytes of 6 received"},
		{"a new one midway", [][]byte{chunk(6, 0, "ab"), chunk(6, 0, "ab")}, "offset 0 of a message of 6 does not continue the 2 bytes of 6 received"},
		{"no start", [][]byte{chunk(6, 2, "ab")}, "offset 2 of a message of 6 does not continue the 0 bytes of 0 received"},
		{"malformed", [][]byte{{0xc4, 0xff}}, "chunk: "},
		{"not a chunk", [][]byte{{wire.Version, 1}}, "chunk: not a chunk frame"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := runtime.Assembler{Limit: 10}
			var err error
			for _, c := range tt.chunks {
				if _, err = a.Add(c); err != nil {
					break
				}
			}
			require.ErrorContains(t, err, tt.want)
		})
	}
}
