import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  Badge,
  Button,
  Card,
  Empty,
  ErrorNote,
  formatDate,
  SelectField,
  TextField,
} from '../../components/ui.tsx';
import { useSession } from '../../lib/auth.tsx';
import type { PodStatus } from '../../lib/pods.ts';
import { TABLE, TD, TH } from './table.ts';

function AddMember({ slug }: { slug: string }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [podRole, setPodRole] = useState<'member' | 'lead'>('member');
  const add = useMutation({
    mutationFn: () => client.addPodMember({ params: { slug }, body: { email: email.trim(), podRole } }),
    onSuccess: () => {
      setEmail('');
      void queryClient.invalidateQueries({ queryKey: ['pods'] });
      void queryClient.invalidateQueries({ queryKey: ['rhythm', slug] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <form
      onSubmit={submit}
      aria-label="Add member"
      className="mt-4 grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-end"
    >
      <TextField
        label="Email"
        type="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        required
      />
      <SelectField
        label="Pod role"
        value={podRole}
        onChange={(e) => setPodRole(e.target.value as 'member' | 'lead')}
      >
        <option value="member">member</option>
        <option value="lead">lead</option>
      </SelectField>
      <Button type="submit" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add member'}
      </Button>
      {add.isError ? (
        <div className="sm:col-span-3">
          <ErrorNote error={add.error} title="Could not add the member" />
        </div>
      ) : null}
    </form>
  );
}

/** Current members, leads first, and a form to add one for those who manage the pod. */
export function Members({ slug, status }: { slug: string; status: PodStatus }) {
  const { can } = useSession();
  const members = [...status.members].sort((a, b) =>
    a.podRole === b.podRole ? a.name.localeCompare(b.name) : a.podRole === 'lead' ? -1 : 1,
  );
  return (
    <Card title={`Members (${members.length})`}>
      {members.length === 0 ? (
        <Empty>No members yet.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <table className={`${TABLE} min-w-[28rem]`}>
            <thead>
              <tr>
                <th scope="col" className={TH}>
                  Name
                </th>
                <th scope="col" className={TH}>
                  Pod role
                </th>
                <th scope="col" className={TH}>
                  Joined
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.userId}>
                  <td className={TD}>
                    {m.name}
                    <div className="text-xs text-slate-500">{m.email}</div>
                  </td>
                  <td className={TD}>
                    <Badge tone={m.podRole === 'lead' ? 'teal' : 'slate'}>{m.podRole}</Badge>
                  </td>
                  <td className={TD}>{formatDate(m.joinedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {can('pods:manage', status.pod.id) ? <AddMember slug={slug} /> : null}
    </Card>
  );
}
