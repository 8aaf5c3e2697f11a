import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRunbook } from '../../model/load';
import { planRunbook } from '../../model/plan';
import { Runbook } from '../../model/runbook';

const dir = path.join(__dirname, '../../runbooks');
const files = readdirSync(dir)
  .filter((file) => /\.(ya?ml|json)$/.test(file))
  .sort();

function load(file: string): Runbook {
  const result = loadRunbook(readFileSync(path.join(dir, file), 'utf8'), { file });
  if (!result.ok) throw new Error(result.errors.map((e) => `${file}:${e.line} ${e.path}: ${e.message}`).join('\n'));
  return result.runbook;
}

describe('example runbooks', () => {
  it('include the five documented examples', () => {
    expect(files).toEqual(['dns-cdn-failover.yaml', 'hello-drill.yaml', 'orders-db-failover.yaml', 'ransomware-restore.yaml', 'region-evacuation.yaml']);
  });

  it.each(files)('%s validates without warnings, and its id matches its file name', (file) => {
    const result = loadRunbook(readFileSync(path.join(dir, file), 'utf8'), { file });
    expect(result.ok ? result.warnings : result.errors).toEqual([]);
    expect(load(file).id).toBe(file.replace(/\.ya?ml$/, ''));
  });

  it.each(files)('%s plans in both modes and meets its RTO', (file) => {
    const runbook = load(file);
    for (const mode of ['recovery', 'drill'] as const) {
      const plan = planRunbook(runbook, { mode });
      expect(plan.stages.flat().sort()).toEqual(runbook.steps.map((s) => s.id).sort());
      expect(plan.meetsRto).toBe(true);
      if (runbook.recovery?.endsAt) expect(plan.criticalPath.at(-1)).toBe(runbook.recovery.endsAt);
    }
  });

  it('hello-drill is exactly a 2s wait followed by an email to the DR team', () => {
    const runbook = load('hello-drill.yaml');
    expect(runbook.id).toBe('hello-drill');
    expect(runbook.objectives).toEqual({ rto: '5m' });
    expect(runbook.recovery).toEqual({ endsAt: 'notify' });
    expect(runbook.steps.map(({ id, action, needs, with: w }) => ({ id, action, needs, with: w }))).toEqual([
      { id: 'pause', action: 'wait', needs: undefined, with: { duration: '2s' } },
      {
        id: 'notify',
        action: 'notify',
        needs: ['pause'],
        with: { channel: 'email', recipients: ['dr-team@example.com'], subject: 'Hello drill {{ run.id }}', body: expect.stringContaining('{{ run.mode }}') },
      },
    ]);
  });

  it('orders-db-failover promotes with an undo after a two-person approval and ends recovery at a health check', () => {
    const runbook = load('orders-db-failover.yaml');
    const byId = new Map(runbook.steps.map((step) => [step.id, step]));
    const approval = byId.get('approve-promotion');
    expect(approval?.action === 'approval' && approval.with.quorum).toBe(2);
    const promote = byId.get('promote-replica');
    expect(promote?.action === 'http' && promote.undo?.action).toBe('http');
    expect(byId.get(runbook.recovery?.endsAt ?? '')?.action).toBe('check');
  });

  it('region-evacuation runs its service groups in parallel', () => {
    const plan = planRunbook(load('region-evacuation.yaml'), { mode: 'recovery' });
    expect(plan.stages[2]).toEqual(['scale-web', 'scale-api', 'drain-workers']);
  });

  it('ransomware-restore waits for a manual forensic sign-off before anything is restored', () => {
    const runbook = load('ransomware-restore.yaml');
    const signoff = runbook.steps.find((step) => step.id === 'forensic-signoff');
    expect(signoff?.action).toBe('manual');
    const plan = planRunbook(runbook, { mode: 'recovery' });
    const stageOf = (id: string) => plan.steps.find((step) => step.id === id)?.stage ?? -1;
    for (const id of ['restore-database', 'restore-files']) expect(stageOf(id)).toBeGreaterThan(stageOf('forensic-signoff'));
  });
});
