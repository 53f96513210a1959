// Network bytes sent by each system's sharing process, counted the same way
// for both: each process runs in its own cgroup v2 group, and an nft table of
// the bench's own (inet qhbench) counts the IP bytes of every packet a socket
// of that group sends (the output hook sees loopback traffic once). Needs
// root; any failure to set it up is fatal, never a silent fallback.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rmdir, writeFile, chmod } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const execFileP = promisify(execFile);
// nft resolves a cgroupv2 path relative to this directory.
const NFT_CGROUP_ROOT = '/sys/fs/cgroup';

async function nft(...args) {
  try {
    return (await execFileP('nft', args)).stdout;
  } catch (e) {
    throw new Error(`nft ${args.join(' ')}: ${e.stderr || e.message}`);
  }
}

// cgroup2Mount finds where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup
// on a unified system, /sys/fs/cgroup/unified on a hybrid one).
async function cgroup2Mount() {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const m = mounts.split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2');
  if (!m) throw new Error('byte counting: no cgroup v2 hierarchy is mounted');
  if (!m[1].startsWith(NFT_CGROUP_ROOT)) throw new Error(`byte counting: cgroup v2 is mounted at ${m[1]}, not under ${NFT_CGROUP_ROOT} where nft looks`);
  return m[1];
}

// NetCounter owns the cgroups and the nft table of one run; names are the
// systems, display the run's X display number.
export class NetCounter {
  constructor(names, display) {
    this.names = names;
    this.table = `qhbench${display}`;
  }

  async start(dir) {
    if (process.getuid() !== 0) throw new Error('byte counting needs root (nft and cgroups)');
    this.mount = await cgroup2Mount();
    await this.deleteTable();
    await nft('add', 'table', 'inet', this.table);
    this.created = true;
    await nft('add', 'chain', 'inet', this.table, 'out', '{ type filter hook output priority 0; policy accept; }');
    this.groups = {};
    for (const n of this.names) {
      const g = join(this.mount, `${this.table}-${n}`);
      await mkdir(g, { recursive: true });
      this.groups[n] = g;
      const left = (await readFile(join(g, 'cgroup.procs'), 'utf8')).trim();
      if (left) throw new Error(`byte counting: ${g} still holds processes of an earlier run: ${left.split('\n').join(' ')}`);
      await nft('add', 'counter', 'inet', this.table, n);
      await nft('add', 'rule', 'inet', this.table, 'out', 'socket', 'cgroupv2', 'level', '1',
        `"${relative(NFT_CGROUP_ROOT, g)}"`, 'counter', 'name', n);
    }
    this.dir = dir;
    return this;
  }

  // wrapper writes an executable that joins n's group and execs cmd, so every
  // socket of the process belongs to the group from the start.
  async wrapper(n, cmd) {
    const path = join(this.dir, `in-${n}.sh`);
    await writeFile(path, `#!/bin/sh\necho $$ > '${this.groups[n]}/cgroup.procs' || exit 97\nexec '${cmd}' "$@"\n`);
    await chmod(path, 0o755);
    return path;
  }

  async bytes(n) {
    const out = JSON.parse(await nft('-j', 'list', 'counter', 'inet', this.table, n));
    const c = out.nftables.find((o) => o.counter)?.counter;
    if (!c) throw new Error(`nft counter ${n} not found`);
    return c.bytes;
  }

  // member reports whether pid is in n's group (checked once at start).
  async member(n, pid) {
    const procs = (await readFile(join(this.groups[n], 'cgroup.procs'), 'utf8')).split('\n');
    return procs.includes(String(pid));
  }

  // freeze stops (on) or resumes every process of n's group with the cgroup
  // v2 freezer, and waits until the kernel reports it done.
  async freeze(n, on) {
    const g = this.groups[n];
    await writeFile(join(g, 'cgroup.freeze'), on ? '1' : '0');
    for (let i = 0; i < 100; i++) {
      if ((await readFile(join(g, 'cgroup.events'), 'utf8')).includes(`frozen ${on ? 1 : 0}`)) return;
      await sleep(20);
    }
    throw new Error(`${g}: not ${on ? 'frozen' : 'thawed'} within 2 s`);
  }

  async deleteTable() {
    const list = await nft('list', 'tables');
    if (list.split('\n').includes(`table inet ${this.table}`)) await nft('delete', 'table', 'inet', this.table);
  }

  // stop deletes the table and the groups. What the sharing processes
  // started (the sharer's consent prompt) may outlive them for a few
  // seconds: it is given 15 s, then ended (only processes of our groups).
  async stop() {
    const errs = [];
    if (this.created) await this.deleteTable().catch((e) => errs.push(e.message));
    for (const g of Object.values(this.groups ?? {})) {
      await writeFile(join(g, 'cgroup.freeze'), '0').catch(() => {}); // a run cut short while frozen
      const procs = async () => (await readFile(join(g, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
      for (let i = 0; i < 150 && (await procs().catch(() => [])).length; i++) await sleep(100);
      for (const pid of await procs().catch(() => [])) {
        try { process.kill(pid, 'SIGTERM'); } catch { /* exited */ }
      }
      for (let i = 0; i < 50 && (await procs().catch(() => [])).length; i++) await sleep(100);
      await rmdir(g).catch((e) => errs.push(`${g}: ${e.message}`));
    }
    if (errs.length) console.error('byte counting clean-up:', errs.join('; '));
  }
}
