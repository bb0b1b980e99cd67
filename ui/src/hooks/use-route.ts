/**
 * Hash routing: `#/jobs/<id>/checkpoints` → ['jobs', '<id>', 'checkpoints']. The hash keeps every
 * page a static URL the REST server need not know about, and links stay plain `<a href>`.
 */
import { useEffect, useState } from 'preact/hooks';

function current(): string[] {
  return location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The href of a route. */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

export function navigate(...parts: string[]): void {
  location.hash = href(...parts);
}
