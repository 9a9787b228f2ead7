# tests/t_apf.sh: the worker pool (issue 5): faults resolved on other CPUs while the guest
# runs, at scale, in both #VE modes; deduplication, backpressure, two vCPUs, two VMs.

apf_boot() { # MODE BOCHS-CPUS "HV CMDLINE" NAME "VM KEYS" "GUEST ARGS"
	boot_bochs "$2" 2 "$3" "$G/$4.elf vm=$4 mem=32M lazy=on ve=$1 $5 -- $6"
	expect "\[$4\] guest: [0-9]+ passed, 0 failed"
	expect "summary: vm $4 +passed"
	expect_exit 0
}

# T tasks x M pages with a latency, W workers: every byte verified.
apf_many() {
	apf_boot "$1" 4 "workers=2" apf_many "backing.latency_us=300" "tasks=8 pages=8"
	expect '\[apf_many\] guest: apf-many: 8 tasks x 8 pages verified'
	expect 'summary: worker cpu[0-9]+: jobs=[1-9]'
	expect_count 2 'summary: worker cpu[0-9]+: jobs=[1-9][0-9]* busy='
}
t_apf_many_hw() { apf_many hw; }
t_apf_many_sw() { apf_many sw; }

# Overlap: T>=W tasks, M pages each, L per page: the guest's wall time against T*M*L/W.
apf_overlap() {
	apf_boot "$1" 4 "workers=2" apf_overlap "backing.latency_us=2000" \
		"tasks=4 pages=4 latency_us=2000 workers=2"
	expect '\[apf_overlap\] guest: apf-overlap: wall=[0-9]+ us ideal=16000 us efficiency=([89][0-9]|1[0-9][0-9])%'
}
t_apf_overlap_hw() { apf_overlap hw; }
t_apf_overlap_sw() { apf_overlap sw; }

# Several tasks fault the same pages: one fetch per page, every fault completes.
apf_dedupe() {
	apf_boot "$1" 3 "workers=1" apf_dedupe "backing.latency_us=2000" "tasks=4 pages=4"
	expect 'summary:   apf: pages fetched=4 joined=[1-9]'
}
t_apf_dedupe_hw() { apf_dedupe hw; }
t_apf_dedupe_sw() { apf_dedupe sw; }

# More outstanding faults than apf_limit: the overflow is resolved synchronously (the guest
# is told by FL_PV_F_SYNC), nothing is lost or duplicated.
apf_flood() {
	apf_boot "$1" 3 "workers=1 apf_limit=4" apf_flood "backing.latency_us=1000" "tasks=12 limit=4"
	expect 'summary:   apf: decisions suspend=[0-9]+ continue=12 \(made synchronous [1-9][0-9]*\)'
	expect '\[apf_flood\] guest: apf-flood: 12 faults, [1-9][0-9]* resolved synchronously'
}
t_apf_flood_hw() { apf_flood hw; }
t_apf_flood_sw() { apf_flood sw; }

# A 2-vCPU guest faulting on both vCPUs at once; each has its own PV page.
apf_smp() {
	boot_bochs 4 2 "workers=1" "$G/apf_smp.elf vm=apf_smp mem=32M vcpus=2 lazy=on ve=$1 backing.latency_us=500"
	expect 'vm apf_smp vcpu1: started at 0x'
	expect 'vm apf_smp vcpu0: registered for #VE'
	expect 'vm apf_smp vcpu1: registered for #VE'
	expect '\[apf_smp\] guest: apf-smp: vcpu0 [1-9][0-9]* faults, vcpu1 [1-9][0-9]* faults'
	expect '\[apf_smp\] guest: [0-9]+ passed, 0 failed'
	expect 'summary: vm apf_smp +passed'
	expect_exit 0
}
t_apf_smp_hw() { apf_smp hw; }
t_apf_smp_sw() { apf_smp sw; }

# Two VMs fault at the same time on one shared pool; different seeds prove that each VM's
# pages are its own (a page of one VM mapped in the other would hold the wrong pattern).
t_apf_two_vms() {
	boot_bochs 4 2 "workers=2" \
		"$G/apf_many.elf vm=one mem=32M lazy=on ve=hw backing.latency_us=300 backing.seed=1 -- tasks=4 pages=8 seed=1" \
		"$G/apf_many.elf vm=two mem=32M lazy=on ve=sw backing.latency_us=300 backing.seed=2 -- tasks=4 pages=8 seed=2"
	expect '\[one\] guest: apf-many: 4 tasks x 8 pages verified'
	expect '\[two\] guest: apf-many: 4 tasks x 8 pages verified'
	expect 'summary: vm one +passed'
	expect 'summary: vm two +passed'
	expect_exit 0
}

# One VM holding every fault the protocol lets it (4 vCPUs x 64 CAN_CONTINUE entries, 10 ms
# a page, one worker: 2.6 s of work) beside a small one: the small VM's faults neither fail
# (its own job slots) nor wait behind the hog's (the workers serve the VMs' queues in
# turn), so it finishes first. With one pool of 256 jobs for all VMs, it was stopped with
# code=none on a good page.
t_apf_pool_fair() {
	TIMEOUT=300 boot_bochs 6 2 "workers=1" \
		"$G/apf_hog.elf vm=hog mem=32M vcpus=4 lazy=on backing.latency_us=10000" \
		"$G/apf_many.elf vm=small mem=32M lazy=on -- tasks=2 pages=4"
	for c in 0 1 2 3; do expect "\[hog\] guest: apf-hog: vcpu$c held 64 faults, 64 resolved"; done
	expect '\[small\] guest: apf-many: 2 tasks x 4 pages verified'
	expect 'summary:   apf: decisions suspend=0 continue=256 \(made synchronous 0\)'
	expect_order 'vm small: stopped: debug exit' 'vm hog: stopped: debug exit'
	expect 'summary: vm hog +passed'
	expect 'summary: vm small +passed'
	expect_exit 0
}
