// The token prompt, shown when the API answers 401. A token is kept only after the API
// accepted it, in this tab's sessionStorage.
import { ApiError, api, clearToken, setToken } from '../api.js';
import { el, field, fill, messageOf } from '../dom.js';

export function renderLogin(main, { reason, onSignedIn }) {
  const token = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const problem = el('p', { class: 'error', role: 'alert', id: 'login-problem' }, reason ?? '');
  const submit = el('button', { type: 'submit' }, 'Sign in');
  const form = el(
    'form',
    { class: 'login', 'aria-labelledby': 'login-title', 'aria-describedby': 'login-problem' },
    field('API token', token, "The controller's --token, or a client token from its --tokens-file. Kept in this tab only, until it closes or you log out."),
    problem,
    el('div', { class: 'actions' }, submit),
  );
  fill(main, el('h1', { id: 'login-title', tabindex: '-1' }, 'Sign in to the controller'), form);
  token.focus();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = token.value.trim();
    if (value === '') {
      problem.textContent = 'Enter the token.';
      token.focus();
      return;
    }
    submit.disabled = true;
    problem.textContent = '';
    try {
      await api('v1/jobs?limit=1', { token: value, probe: true });
      setToken(value);
      onSignedIn();
    } catch (error) {
      clearToken();
      if (error instanceof ApiError && error.status === 401) problem.textContent = 'The controller refused this token.';
      else if (error instanceof ApiError && error.status === 403) problem.textContent = `This token may not read jobs: ${error.message}.`;
      else problem.textContent = `Could not check the token: ${messageOf(error)}.`;
      token.select();
      token.focus();
    } finally {
      submit.disabled = false;
    }
  });
}
