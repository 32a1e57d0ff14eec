import { Routes } from '@angular/router';
import { authGuard } from 'angular-token-refresh';

import { CallbackPage, HomePage, LoginPage } from './pages';

/** `/login` and `/callback` for everyone, `/` for signed-in users only. */
export const routes: Routes = [
  { path: 'login', component: LoginPage },
  { path: 'callback', component: CallbackPage },
  { path: '', pathMatch: 'full', canActivate: [authGuard], component: HomePage },
];
