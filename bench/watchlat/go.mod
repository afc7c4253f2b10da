module annex.dev/bench/watchlat

go 1.22
