import { canonicalJson } from '../audit/chain.ts';
import { CONFIG_ACTOR } from '../auth/permissions.ts';
import { createUserInTx } from '../auth/service.ts';
import type { Ctx, Deps } from '../context.ts';
import { record } from '../events/record.ts';
import { addMemberInTx, registerPodInTx } from '../pods/service.ts';
import type { Repositories } from '../ports/repositories.ts';
import { lockScopesInTx, setLimitInTx } from '../wip/service.ts';

export interface ApplySummary {
  applied: string[];
  unchanged: number;
}

/**
 * Applies the file's pods, members and WIP limits, like `kubectl apply`: a value is written only when
 * it differs from the value last applied from the file. So an API change survives restarts until the
 * file's own value for that key changes, and then the file wins. One transaction.
 */
export async function applyPolicy(deps: Deps): Promise<ApplySummary> {
  const ctx: Ctx = { actor: CONFIG_ACTOR, requestId: null };
  return deps.uow.run(async (repos) => {
    await repos.configState.lockStartup();
    // The WIP scopes of the limits below, before anything is recorded (see lockScopesInTx). A pod this
    // transaction creates needs none: no other transaction can see it yet.
    const scopes: { podId: string; itemType: string }[] = [];
    for (const p of deps.policy.pods) {
      const existing = await repos.pods.bySlug(p.slug);
      if (existing)
        for (const itemType of Object.keys(p.wipLimits)) scopes.push({ podId: existing.id, itemType });
    }
    await lockScopesInTx(repos, scopes);
    const summary: ApplySummary = { applied: [], unchanged: 0 };
    const changed = async (key: string, value: unknown) => {
      const last = await repos.configState.get(key);
      if (last !== undefined && canonicalJson(last) === canonicalJson(value)) {
        summary.unchanged += 1;
        return false;
      }
      summary.applied.push(key);
      return true;
    };
    const remember = (repos_: Repositories, key: string, value: unknown) =>
      repos_.configState.set(key, value, deps.clock.now());

    for (const p of deps.policy.pods) {
      const podKey = `pod:${p.slug}`;
      const podValue = { name: p.name, timezone: p.timezone };
      let pod = await repos.pods.bySlug(p.slug);
      if (await changed(podKey, podValue)) {
        if (!pod) pod = await registerPodInTx(deps, repos, ctx, { slug: p.slug, ...podValue });
        else if (pod.name !== p.name || pod.timezone !== p.timezone) {
          await repos.pods.update(pod.id, podValue);
          await record(repos, ctx, deps.clock.now(), {
            podId: pod.id,
            action: 'pod.updated',
            subjectType: 'pod',
            subjectId: pod.id,
            before: { name: pod.name, timezone: pod.timezone },
            after: podValue,
          });
          pod = { ...pod, ...podValue };
        }
        await remember(repos, podKey, podValue);
      }
      if (!pod) continue; // deleted through the API since; the file's unchanged value does not resurrect it

      for (const m of p.members) {
        const key = `pod:${p.slug}:member:${m.email}`;
        const value = { role: m.role, podRole: m.podRole, name: m.name ?? null };
        if (!(await changed(key, value))) continue;
        const user = await repos.users.byEmail(m.email);
        if (!user)
          await createUserInTx(deps, repos, ctx, {
            email: m.email,
            name: m.name ?? m.email.split('@')[0]!,
            role: m.role,
          });
        else if (user.role !== m.role || (m.name !== undefined && user.name !== m.name)) {
          // The file changed this person's role or name since it was last applied: the file wins.
          const patch = { role: m.role, name: m.name ?? user.name };
          await repos.users.update(user.id, patch);
          await record(repos, ctx, deps.clock.now(), {
            action: 'user.updated',
            subjectType: 'user',
            subjectId: user.id,
            before: { role: user.role, name: user.name },
            after: patch,
          });
        }
        await addMemberInTx(deps, repos, ctx, pod, { email: m.email, podRole: m.podRole });
        await remember(repos, key, value);
      }

      for (const [itemType, limit] of Object.entries(p.wipLimits)) {
        const key = `wip:${p.slug}:${itemType}`;
        if (!(await changed(key, limit))) continue;
        // The API's own path: serialised with acquires, and a raised limit admits from the queue.
        await setLimitInTx(deps, repos, ctx, pod, itemType, limit);
        await remember(repos, key, limit);
      }
    }
    return summary;
  });
}
