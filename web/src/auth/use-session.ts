// The session as Preact state: components re-render on sign-in and sign-out.
import { useEffect, useState } from 'preact/hooks';
import { onSessionChange, sessionState, type SessionState } from './session';

export function useSession(): SessionState {
  const [state, setState] = useState(sessionState());
  useEffect(() => onSessionChange(setState), []);
  return state;
}
