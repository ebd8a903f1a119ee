/**
 * The people of the demo organisation. Days here and in the other data files count from the start of
 * the seeded history (day 0 is six weeks before now).
 */
import type { Role } from '@clos/core';

export interface UserSeed {
  email: string;
  name: string;
  role: Role;
  pod?: string;
  podRole?: 'lead' | 'member';
  /** Leaves `pod` for another one (a rotation) on that day. */
  rotates?: { to: string; day: number };
}

export const USERS: UserSeed[] = [
  { email: 'amara.okafor@example.com', name: 'Amara Okafor', role: 'admin' },
  { email: 'henrik.larsen@example.com', name: 'Henrik Larsen', role: 'admin' },
  { email: 'priya.raman@example.com', name: 'Priya Raman', role: 'pod-lead', pod: 'ratio', podRole: 'lead' },
  { email: 'marcus.bell@example.com', name: 'Marcus Bell', role: 'pod-lead', pod: 'atlas', podRole: 'lead' },
  { email: 'mei.tan@example.com', name: 'Mei Lin Tan', role: 'pod-lead', pod: 'beacon', podRole: 'lead' },
  {
    email: 'sofia.alvarez@example.com',
    name: 'Sofia Alvarez',
    role: 'pod-lead',
    pod: 'compass',
    podRole: 'lead',
  },
  { email: 'tom.whitaker@example.com', name: 'Tom Whitaker', role: 'developer', pod: 'ratio' },
  { email: 'hannah.brooks@example.com', name: 'Hannah Brooks', role: 'developer', pod: 'ratio' },
  { email: 'diego.santos@example.com', name: 'Diego Santos', role: 'developer', pod: 'atlas' },
  {
    email: 'aisha.khan@example.com',
    name: 'Aisha Khan',
    role: 'developer',
    pod: 'atlas',
    rotates: { to: 'compass', day: 21 },
  },
  { email: 'kenji.watanabe@example.com', name: 'Kenji Watanabe', role: 'developer', pod: 'beacon' },
  { email: 'lucas.meyer@example.com', name: 'Lucas Meyer', role: 'developer', pod: 'compass' },
  { email: 'olivia.chen@example.com', name: 'Olivia Chen', role: 'viewer', pod: 'atlas' },
];

export const ADMIN = 'amara.okafor@example.com';
export const HEAD_OF_ENGINEERING = 'henrik.larsen@example.com';
