# LCRT: the two commands of README.md, and a few for developers.
PYTHON ?= python3
LAB := $(PYTHON) lab/lab.py

# The vendor interface, passed to the lab byte for byte: $(value) keeps make
# from expanding a '$' in GUEST_CMD='echo rc=$?', and the quoting keeps the
# shell from touching it.
VENDOR_VARS := KERNEL_SRC KVER BOARD GUEST_CMD BOOTARGS CRASH_BOOTARGS MODULE
quote = '$(subst ','\'',$(1))'
VENDOR_ENV = $(foreach v,$(VENDOR_VARS),$(if $(filter-out undefined,$(origin $(v))),$(v)=$(call quote,$(value $(v)))))

.PHONY: demo check matrix prefixes patches check-patches lint kunit bench kernel rootfs fuzz install deps clean

demo:			## crash the board, power-cycle, read and clear the record
	$(VENDOR_ENV) $(LAB) demo

check:			## every test suite; ends with "N passed, N failed"
	$(VENDOR_ENV) $(PYTHON) tests/check.py

# MATRIX_TYPES=table runs only the cells of lab/matrix.py's table.
matrix:			## the full crash matrix: writes matrix/matrix.md and .json
	$(VENDOR_ENV) $(LAB) matrix $(if $(MATRIX_TYPES),--types $(MATRIX_TYPES))

prefixes:		## build every prefix of the series (each patch builds)
	$(VENDOR_ENV) $(LAB) prefixes

patches:		## regenerate series + patches/ from the sources
	$(LAB) patches

check-patches:		## fail if series + patches/ are out of sync
	$(LAB) check-patches

lint:			## checkpatch --strict on the series, sparse on the driver
	$(VENDOR_ENV) $(LAB) lint

kunit:			## the KUnit suites, UML and QEMU, both kernels
	$(VENDOR_ENV) $(LAB) kunit

bench:			## LCRT against pstore/ramoops in the same boot: bench/results/
	$(VENDOR_ENV) $(PYTHON) lab/bench.py

kernel:			## build the board's kernel
	$(VENDOR_ENV) $(LAB) kernel

rootfs:			## the systemd board's Debian root (BOARD, default x86_64-systemd): debootstrap, make install, ext4
	$(VENDOR_ENV) $(LAB) rootfs

# FUZZ_SECONDS per target; new inputs and findings in userspace/fuzz/out/.
FUZZ_SECONDS ?= 60
fuzz:			## libFuzzer+ASan+UBSan on the tool's decoder and scanner
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(PYTHON) userspace/fuzz/fuzz.py

# The lcrt tool, its man page, lcrt-collect.service, the journal catalog
# and bash completion, through CMake's install rules (cmake --install does
# the same).
PREFIX ?= /usr/local
SYSTEMDUNITDIR ?= lib/systemd/system
SYSTEMDCATALOGDIR ?= lib/systemd/catalog
INSTALL_BUILD := userspace/build
install:		## the lcrt tool: PREFIX (/usr/local), DESTDIR, SYSTEMDUNITDIR, SYSTEMDCATALOGDIR
	cmake -S userspace -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) -DSYSTEMDUNITDIR=$(SYSTEMDUNITDIR) \
		-DSYSTEMDCATALOGDIR=$(SYSTEMDCATALOGDIR) >/dev/null
	cmake --build $(INSTALL_BUILD) --target lcrt -j 2
	DESTDIR=$(DESTDIR) cmake --install $(INSTALL_BUILD)

deps:			## install what the lab needs from Debian
	$(LAB) deps

clean:			## drop every download and build (.lab/, userspace/build*/)
	rm -rf .lab userspace/build userspace/build-fuzz
