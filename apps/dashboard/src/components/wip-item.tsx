import { Link } from 'react-router';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An item holding or waiting for a WIP slot, by name and link: a project by its name, linked to its
 * page (its slot is held under the project's id); a pull request by its title, linked to GitHub, over
 * its item id. An id is shown whole when nothing better is known, never shortened: a prefix cannot be
 * searched for or pasted into the CLI.
 */
export function WipItem({
  itemType,
  itemId,
  label = null,
  url = null,
  projectName = null,
}: {
  itemType: string;
  itemId: string;
  label?: string | null;
  url?: string | null;
  /** The project's name, when the item is a project the caller knows. */
  projectName?: string | null;
}) {
  if (itemType === 'project' && UUID.test(itemId))
    return (
      <Link className="text-teal-700 underline dark:text-teal-400" to={`/projects/${itemId}`}>
        {projectName ?? label ?? <span className="font-mono text-xs">{itemId}</span>}
      </Link>
    );
  const id = <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{itemId}</span>;
  // The server accepts only http(s) links; checked again so that no other scheme becomes a link here.
  const link = url && /^https?:\/\//i.test(url) ? url : null;
  if (!label && !link) return id;
  return (
    <span className="flex flex-col">
      {link ? (
        <a
          href={link}
          target="_blank"
          rel="noreferrer noopener"
          className="text-teal-700 underline dark:text-teal-400"
        >
          {label ?? link}
        </a>
      ) : (
        <span>{label}</span>
      )}
      {id}
    </span>
  );
}
