package runtime

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSConfig returns the configuration of mutual TLS within a cluster, for
// replicas and clients alike: each end presents cert, and accepts the other
// only with a certificate that ca signed. The cluster's CA is its
// membership: host names are not checked, so that replicas can move
// between addresses without new certificates.
func TLSConfig(cert tls.Certificate, ca *x509.CertPool) *tls.Config {
	verify := func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
		if len(rawCerts) == 0 {
			return errors.New("tls: no certificate")
		}
		certs := make([]*x509.Certificate, len(rawCerts))
		for i, raw := range rawCerts {
			c, err := x509.ParseCertificate(raw)
			if err != nil {
				return fmt.Errorf("tls: %w", err)
			}
			certs[i] = c
		}
		opts := x509.VerifyOptions{Roots: ca, Intermediates: x509.NewCertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
		for _, c := range certs[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := certs[0].Verify(opts)
		return err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		// The server side: a client or replica without a certificate
		// of the cluster's CA does not get in.
		ClientAuth: tls.RequireAnyClientCert,
		// Both sides verify the other's chain against the CA, and only
		// that: InsecureSkipVerify turns off the host name check, which
		// VerifyPeerCertificate replaces.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: verify,
	}
}

// LoadTLS reads a certificate and its key, and the cluster's CA, from PEM
// files, for TLSConfig.
func LoadTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	ca := x509.NewCertPool()
	if !ca.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls: %s holds no PEM certificate", caFile)
	}
	return TLSConfig(cert, ca), nil
}
