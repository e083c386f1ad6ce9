// burn.go: the program that wrote burn.cpu.pb.gz, the CPU profile that the
// tests of triage pprof serve and read (one hot function, main.burnRecords,
// under a Go mapping named "burn"). Made with Go 1.19:
//   go build -o /tmp/burn/burn burn.go && /tmp/burn/burn burn.cpu.pb.gz
package main

import (
	"os"
	"runtime/pprof"
	"time"
)

//go:noinline
func burnRecords(n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		s += float64(i%7) * 1.000001
	}
	return s
}

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	pprof.StartCPUProfile(f)
	end := time.Now().Add(time.Second)
	for time.Now().Before(end) {
		burnRecords(1 << 20)
	}
	pprof.StopCPUProfile()
	f.Close()
}
