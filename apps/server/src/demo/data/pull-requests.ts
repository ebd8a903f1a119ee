/** Pull requests that hold the pods' WIP slots, some of them released again. */
export interface PullRequestSeed {
  pod: string;
  item: string;
  by: string;
  day: number;
  /** Day the lock is released; without one the pull request still holds its slot at the end. */
  releasedOn?: number;
}

export const PULL_REQUESTS: PullRequestSeed[] = [
  { pod: 'atlas', item: 'atlas/api#88', by: 'diego.santos@example.com', day: 30, releasedOn: 32 },
  { pod: 'beacon', item: 'beacon/ios#231', by: 'kenji.watanabe@example.com', day: 35 },
  { pod: 'compass', item: 'compass/etl#57', by: 'aisha.khan@example.com', day: 36 },
  { pod: 'atlas', item: 'atlas/api#93', by: 'diego.santos@example.com', day: 37 },
  { pod: 'ratio', item: 'ratio/web#409', by: 'hannah.brooks@example.com', day: 37.2, releasedOn: 38.5 },
  { pod: 'ratio', item: 'ratio/web#412', by: 'tom.whitaker@example.com', day: 38 },
  { pod: 'ratio', item: 'ratio/web#415', by: 'hannah.brooks@example.com', day: 39 },
  { pod: 'beacon', item: 'beacon/android#118', by: 'kenji.watanabe@example.com', day: 40 },
  { pod: 'ratio', item: 'ratio/api#97', by: 'hannah.brooks@example.com', day: 40.5 },
];
