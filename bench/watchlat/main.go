// watchlat measures watch delivery latency, which no established load generator does (wrk and
// k6 read a response only once it ends; a watch never ends): it opens N watches on one namespace,
// waits until every one has received the initial ADDED event, then merge-patches the one object
// there at a fixed rate with the send time in spec.reference, and records for every MODIFIED
// event each watcher receives how long after its patch was sent it arrived (read off the event's
// line, not a full decode, so the client's share of the 2 cores stays small).
// Prints one JSON object: watchers, updates sent, events expected and received, percentiles (ms).
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	typePrefix      = []byte(`{"type":"`)
	referenceMarker = []byte(`"reference":"t`)
)

// eventType reads the type both servers write first in an event: {"type":"MODIFIED","object":...}.
func eventType(line []byte) string {
	if !bytes.HasPrefix(line, typePrefix) {
		return ""
	}
	rest := line[len(typePrefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// reference reads the send time from spec.reference ("t<unix nanoseconds>"); the only field so named.
func reference(line []byte) (int64, bool) {
	at := bytes.Index(line, referenceMarker)
	if at < 0 {
		return 0, false
	}
	rest := line[at+len(referenceMarker):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, false
	}
	sent, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	return sent, err == nil
}

func main() {
	base := flag.String("url", "", "the namespace's flunders URL, e.g. https://127.0.0.1:8443/apis/wardle.example.com/v1alpha1/namespaces/watch/flunders")
	name := flag.String("name", "watched", "the object to patch (must exist)")
	token := flag.String("token-file", "", "file holding the bearer token")
	watchers := flag.Int("watchers", 1000, "concurrent watches")
	rate := flag.Float64("rate", 10, "patches per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to patch")
	h2 := flag.Bool("http2", false, "watch (and patch) over HTTP/2: the watches are streams of one connection where the server allows as many, as kube-aggregator's are")
	flag.Parse()
	tok, err := os.ReadFile(*token)
	if err != nil {
		fail("reading the token: %v", err)
	}
	auth := "Bearer " + strings.TrimSpace(string(tok))
	// HTTP/1.1, one connection per watch, like wrk's connections, unless -http2; the servers' self-signed certificates are not verified.
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxIdleConnsPerHost: *watchers + 8,
	}
	if *h2 {
		transport.TLSNextProto = nil
		transport.ForceAttemptHTTP2 = true
	}
	client := &http.Client{Transport: transport}

	var mu sync.Mutex
	var latencies []float64
	var throttled atomic.Int64
	ready := make(chan struct{}, *watchers)
	failed := make(chan error, *watchers)
	for i := 0; i < *watchers; i++ {
		go func() {
			resp, err := openWatch(client, *base+"?watch=true&timeoutSeconds=600", auth, &throttled)
			if err != nil {
				failed <- err
				return
			}
			defer resp.Body.Close()
			// Each event is one line. Finding the type and the reference in its bytes, instead of
			// decoding the whole object, keeps the client's CPU per event small: with 1,000 watchers
			// on the same 2 cores as the server, full decoding was most of the measured latency.
			lines := bufio.NewReaderSize(resp.Body, 64<<10)
			for {
				line, err := lines.ReadSlice('\n')
				if err != nil {
					return
				}
				now := time.Now().UnixNano()
				switch eventType(line) {
				case "ADDED":
					ready <- struct{}{}
				case "MODIFIED":
					sent, ok := reference(line)
					if !ok {
						continue
					}
					mu.Lock()
					latencies = append(latencies, float64(now-sent)/1e6)
					mu.Unlock()
				}
			}
		}()
	}
	deadline := time.After(120 * time.Second)
	for n := 0; n < *watchers; n++ {
		select {
		case <-ready:
		case err := <-failed:
			fail("a watch failed: %v", err)
		case <-deadline:
			fail("timed out after 120 s waiting for %d watches to receive their initial event (%d did)", *watchers, n)
		}
	}

	interval := time.Duration(float64(time.Second) / *rate)
	ticker := time.NewTicker(interval)
	end := time.Now().Add(*duration)
	sent, patchErrors := 0, 0
	for time.Now().Before(end) {
		<-ticker.C
		body := fmt.Sprintf(`{"spec":{"reference":"t%d"}}`, time.Now().UnixNano())
		req, _ := http.NewRequest("PATCH", *base+"/"+*name, bytes.NewBufferString(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/merge-patch+json")
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 200 {
			patchErrors++
		} else {
			sent++
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	ticker.Stop()
	time.Sleep(5 * time.Second) // the last events in flight
	mu.Lock()
	defer mu.Unlock()
	sort.Float64s(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		i := int(p / 100 * float64(len(latencies)))
		if i >= len(latencies) {
			i = len(latencies) - 1
		}
		return latencies[i]
	}
	out, _ := json.Marshal(map[string]any{
		"watchers": *watchers, "rate": *rate, "updates": sent, "patch_errors": patchErrors,
		"expected": sent * *watchers, "received": len(latencies), "watch_429_retries": throttled.Load(),
		"p50_ms": pct(50), "p99_ms": pct(99), "p999_ms": pct(99.9), "max_ms": pct(100),
	})
	fmt.Println(string(out))
}

// openWatch starts one watch, and on 429 waits for the Retry-After the server asked for and asks
// again, up to 10 times, as client-go's rest client does (a server may shed a burst of new watches).
func openWatch(client *http.Client, url, auth string, throttled *atomic.Int64) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == 200 {
			return resp, nil
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || attempt == 10 {
			return nil, fmt.Errorf("watch answered %d (attempt %d)", resp.StatusCode, attempt)
		}
		throttled.Add(1)
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "watchlat: "+format+"\n", args...)
	os.Exit(1)
}
