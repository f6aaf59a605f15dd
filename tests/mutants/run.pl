#!/usr/bin/perl
# run.pl - mutation testing of the consensus core (`make mutants`,
# specs/consensus.md, "Simulator"). Each tests/mutants/*.mut names one
# plausible bug as text substitutions keyed on code text, never on line
# numbers; an anchor that does not match exactly once is an ERROR (the
# mutant must be re-anchored), never skipped. Each mutant is built in its
# own directory (build-mut/<name>: the base library with the mutated
# object swapped in), then the consensus unit tests and the bounded
# campaign of tests/mutants/campaign run against it. The unmutated core
# goes through the same checks first and must pass them all.
#
# Environment: CC, CFLAGS, LDLIBS (from the Makefile), MUT_BASE (the
# build dir holding the unmutated libaccord.a), MUTANTS (names to run,
# default all), MUT_TIMEOUT (seconds per campaign line, default 240),
# MUT_NO_CONTROL=1 (skip the control campaign: only to iterate on mutants).
use strict;
use warnings;
use Time::HiRes qw(time);

$| = 1;

my $cc = $ENV{CC} || 'cc';
my $cflags = $ENV{CFLAGS} || '-std=c11 -O2 -g -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I.';
my $ldlibs = $ENV{LDLIBS} || '-llmdb -luv -ljansson -lmicrohttpd -lcurl -lsodium -lpthread -lm';
my $base = $ENV{MUT_BASE} || 'build-mut/base';
my $limit = $ENV{MUT_TIMEOUT} || 240;
my $dir = 'tests/mutants';

sub sh {
	my ($cmd) = @_;
	my $out = `$cmd 2>&1`;
	return ($? == 0, $out);
}

# Parse one mutant file: kind, file, hunks of (find, replace).
sub mutant_read {
	my ($path) = @_;
	open(my $fh, '<', $path) or die "$path: $!";
	my %m = (hunks => [], desc => '');
	my (@find, @repl);
	my $in = 0;
	my $flush = sub {
		push @{$m{hunks}}, [join("\n", @find), join("\n", @repl)] if $in;
		(@find, @repl) = ();
		$in = 0;
	};
	while (my $l = <$fh>) {
		chomp $l;
		if (!$in && $l =~ /^#\s?(.*)$/) {
			$m{desc} ||= $1;
		} elsif (!$in && $l =~ /^(kind|file):\s*(\S+)\s*$/) {
			$m{$1} = $2;
		} elsif ($l eq '@@') {
			$flush->();
			$in = 1;
		} elsif ($in && $l =~ /^-(.*)$/s) {
			push @find, $1;
		} elsif ($in && $l =~ /^\+(.*)$/s) {
			push @repl, $1;
		} elsif ($l =~ /^\s*$/) {
			next;
		} else {
			die "$path: cannot read line: $l\n";
		}
	}
	$flush->();
	die "$path: needs kind:, file: and at least one \@\@ hunk\n"
	    unless $m{kind} && $m{file} && @{$m{hunks}};
	die "$path: kind must be safety, liveness or rule\n"
	    unless $m{kind} =~ /^(safety|liveness|rule)$/;
	die "$path: only consensus/*.c may be mutated\n"
	    unless $m{file} =~ m{^consensus/\w+\.c$};
	return \%m;
}

# The mutated text of the file, or an error message.
sub mutant_apply {
	my ($m) = @_;
	open(my $fh, '<', $m->{file}) or return (undef, "$m->{file}: $!");
	local $/;
	my $src = <$fh>;
	for my $h (@{$m->{hunks}}) {
		my ($find, $repl) = @$h;
		my $n = () = $src =~ /\Q$find\E/g;
		return (undef, "anchor matches $n times (want 1): " .
		    (split /\n/, $find)[0]) if $n != 1;
		$src =~ s/\Q$find\E/$repl/;
	}
	return ($src, undef);
}

# Build the unit test and the simulator against lib into out.
sub build {
	my ($out, $lib) = @_;
	my ($ok, $log) = sh("$cc $cflags -o $out/test_consensus tests/unit/test_consensus.c $lib $ldlibs");
	return (0, $log) unless $ok;
	($ok, $log) = sh("$cc $cflags -o $out/sim tests/sim/*.c $lib $ldlibs");
	return ($ok, $log);
}

# The campaign: one sim argument line per batch, stopping at the first
# violation. Returns (class, text) of the first kill, or ('', '').
sub campaign {
	my ($out, $rule) = @_;
	open(my $fh, '<', "$dir/campaign") or die "$dir/campaign: $!";
	for my $line (<$fh>) {
		chomp $line;
		next if $line =~ /^\s*(#|$)/;
		my $args = $line;
		$args .= ' --no-rule-checks' unless $rule;
		my ($ok, $log) = sh("timeout $limit $out/sim --stop $args");
		# A crash prints its seed after the batch's partial output.
		if ($log =~ /first_failing_seed=(\d+) class=(\w+) \((.*)\) replay: (.*)$/m) {
			return ($2, "$2: $3; replay: $4");
		}
		return ('error', "sim failed ($line): " . (split /\n/, $log)[-1]) unless $ok;
	}
	return ('', '');
}

my @names = $ENV{MUTANTS} ? split(' ', $ENV{MUTANTS})
    : map { m{([^/]+)\.mut$}; $1 } sort glob("$dir/*.mut");
die "no mutants in $dir\n" unless @names;

# The control: the unmutated core must pass every check.
my $t0 = time;
system("mkdir -p build-mut/control") == 0 or die;
my ($ok, $log) = build('build-mut/control', "$base/libaccord.a");
die "control build failed:\n$log" unless $ok;
($ok, $log) = sh("timeout 120 build-mut/control/test_consensus");
die "control: unit tests fail on the unmutated core:\n$log" unless $ok;
if ($ENV{MUT_NO_CONTROL}) {
	print "control: campaign skipped (MUT_NO_CONTROL, for iterating only)\n\n";
} else {
	my ($cls, $what) = campaign('build-mut/control', 1);
	die "control: the campaign fails on the unmutated core: $what\n" if $cls ne '';
	printf "control (unmutated core): unit ok, campaign clean (%.0fs)\n\n", time - $t0;
}

my @rows;
my ($errors, $survived) = (0, 0);
for my $name (@names) {
	my $t = time;
	my $m = eval { mutant_read("$dir/$name.mut") };
	if (!$m) {
		push @rows, [$name, '?', '-', '-', "ERROR: $@"];
		$errors++;
		next;
	}
	my ($src, $err) = mutant_apply($m);
	if (!defined $src) {
		push @rows, [$name, $m->{kind}, '-', '-', "ERROR: $err"];
		$errors++;
		next;
	}
	my $out = "build-mut/$name";
	my $obj = $m->{file};
	$obj =~ s{.*/}{};
	$obj =~ s/\.c$/.o/;
	system("rm -rf $out && mkdir -p $out/src") == 0 or die;
	open(my $fh, '>', "$out/src/$name.c") or die;
	print $fh $src;
	close $fh;
	# The mutated object replaces the original (same member name) in a
	# copy of the base library. -iquote keeps "consensus/x.h" resolving
	# to the tree's headers.
	($ok, $log) = sh("$cc $cflags -iquote . -c -o $out/$obj $out/src/$name.c" .
	    " && cp $base/libaccord.a $out/libaccord.a && ar r $out/libaccord.a $out/$obj");
	($ok, $log) = build($out, "$out/libaccord.a") if $ok;
	if (!$ok) {
		push @rows, [$name, $m->{kind}, '-', '-', "ERROR: build: " . (split /\n/, $log)[0]];
		$errors++;
		next;
	}
	($ok, $log) = sh("timeout 120 $out/test_consensus");
	my $unit = $ok ? '-' : 'killed';
	my ($c, $w) = campaign($out, $m->{kind} eq 'rule');
	my $sim = $c eq '' ? '-' : "sim-$c";
	# A safety mutant must fall to a safety checker of the simulator; a
	# liveness mutant to any simulator check; a rule mutant (a rule
	# whose breach is visible only as timing) to the rule checks.
	# A core that dies on a signal (an assert) in a run is a kill of any
	# kind: the batch names the seed that does it.
	my $killed = $c eq 'crash' ? 1
	    : $m->{kind} eq 'safety' ? $c eq 'safety'
	    : $m->{kind} eq 'liveness' ? ($c eq 'safety' || $c eq 'liveness')
	    : $c ne '' && $c ne 'error';
	$killed = 0 if $c eq 'error';
	$survived++ unless $killed;
	push @rows, [$name, $m->{kind}, $unit, $sim,
	    ($killed ? 'KILLED' : 'SURVIVED') . sprintf(" %.0fs", time - $t) .
	    ($w ne '' ? "  $w" : '')];
	print STDERR "$name: $rows[-1][4]\n";
	system("rm -rf $out/src $out/$obj");
}

printf "%-28s %-8s %-7s %-13s %s\n", 'mutant', 'kind', 'unit', 'sim', 'verdict';
printf "%-28s %-8s %-7s %-13s %s\n", @$_ for @rows;
printf "\n%d mutants: %d killed, %d survived, %d errors (%.0fs)\n",
    scalar @rows, scalar(@rows) - $survived - $errors, $survived, $errors, time - $t0;
exit($survived + $errors == 0 ? 0 : 1);
