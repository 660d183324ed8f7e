# LCRT: the two commands of README.md, and a few for developers.
PYTHON ?= python3
LAB := $(PYTHON) lab/lab.py

# The vendor interface, passed on to the lab.
export KERNEL_SRC GUEST_CMD BOOTARGS BOARD

.PHONY: demo check patches check-patches lint kunit kernel deps clean

demo:			## crash the board, power-cycle, read and clear the record
	$(LAB) demo

check:			## every test suite; ends with "N passed, N failed"
	$(PYTHON) tests/check.py

patches:		## regenerate series + patches/ from the sources
	$(LAB) patches

check-patches:		## fail if series + patches/ are out of sync
	$(LAB) check-patches

lint:			## checkpatch --strict on the series, sparse on the driver
	$(LAB) lint

kunit:			## the KUnit suites under UML and QEMU arm
	$(LAB) kunit

kernel:			## build the board's kernel
	$(LAB) kernel

deps:			## install what the lab needs from Debian
	$(LAB) deps

clean:			## drop every download and build (.lab/, userspace/build/)
	rm -rf .lab userspace/build
