.PHONY: demo test bench
demo:   ## set up with demo content and serve on http://127.0.0.1:8000
	scripts/serve.sh
test:   ## set up and run the whole test suite
	scripts/test.sh
bench:  ## gunicorn + wrk benchmark against the demo data
	scripts/bench.sh
