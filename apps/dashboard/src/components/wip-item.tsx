import { Link } from 'react-router';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An item holding or waiting for a WIP slot: its label (a pull request's title and author) linked to
 * its page when it has them, over its id. A project's slot is held under the project's id, so that id
 * links to the project's page.
 */
export function WipItem({
  itemType,
  itemId,
  label = null,
  url = null,
}: {
  itemType: string;
  itemId: string;
  label?: string | null;
  url?: string | null;
}) {
  const id =
    itemType === 'project' && UUID.test(itemId) ? (
      <Link className="text-teal-700 underline dark:text-teal-400" to={`/projects/${itemId}`}>
        project {itemId.slice(0, 8)}
      </Link>
    ) : (
      <span className="font-mono text-xs">{itemId}</span>
    );
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
