# Cutline — see README.md. Every target installs what it needs (idempotent, cached).
SHELL := /bin/bash
export CUTLINE_TOOLS_DIR ?= $(HOME)/.cache/cutline-tools
export PATH := $(CUTLINE_TOOLS_DIR)/bin:$(PATH)

VIDEO ?=
TEXT ?= Welcome to Cutline. Type a script, pick a voice, and get a narrated, captioned video in every shape your audience watches.
FORMATS ?= 9:16,1:1,16:9
OUT ?= out

.PHONY: help setup tools tools-media deps build demo dev operator test test-unit test-integration bench lint typecheck clean

help:
	@echo "make demo      render a narrated, captioned video (VIDEO=your.mp4 TEXT='…' OUT=dir)"
	@echo "make dev       run the control plane (API on http://127.0.0.1:8080, docs at /docs)"
	@echo "make operator  EMAIL=… grant operator rights to an account that signed up"
	@echo "make test      run every test (installs tools on first run)"
	@echo "make bench     run the benchmarks, results in bench/results/"
	@echo "make setup | tools | build | lint | typecheck | clean"

tools:
	@scripts/tools.sh all

tools-media:
	@scripts/tools.sh media

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

build: deps
	@scripts/prisma-generate.sh
	npx tsc -b contract render-job control-plane
	npm run build --silent -w admin-ui

setup: tools build

# Renders your video (or a generated sample) with your text into $(OUT)/.
demo: tools-media build
	@scripts/demo.sh "$(VIDEO)" "$(TEXT)" "$(FORMATS)" "$(OUT)"

# The control plane on the embedded default (PostgreSQL from embedded-postgres, objects in
# .cutline/, in-process events, local render workers); prints its URL.
dev: tools-media build
	control-plane/bin/cutline.js all

# Grants operator rights to an account that has signed up (EMAIL=…); works beside `make dev`.
operator: build
	@test -n "$(EMAIL)" || { echo "usage: make operator EMAIL=you@example.com" >&2; exit 2; }
	control-plane/bin/cutline.js admin grant "$(EMAIL)"

test: setup
	npx vitest run

test-unit: build
	npx vitest run --project unit

test-integration: setup
	npx vitest run --project integration

bench: tools build
	npx tsx bench/run.ts
	npx tsx bench/reframe.ts
	npx tsx bench/control-plane.ts
	npx tsx bench/kubernetes.ts
	npx tsx bench/images.ts

lint: deps
	npx eslint .
	npx prettier --check .

typecheck: deps
	@scripts/prisma-generate.sh
	npx tsc -b contract render-job control-plane && npx tsc -p tests --noEmit && npx tsc -p admin-ui

clean:
	rm -rf contract/dist render-job/dist control-plane/dist control-plane/src/generated out
