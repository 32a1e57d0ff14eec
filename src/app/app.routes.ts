import { Routes } from '@angular/router';
import { authGuard } from 'angular-token-refresh';

/** `/login` for everyone, `/` for signed-in users only; both pages load lazily. */
export const routes: Routes = [
  { path: 'login', title: 'Sign in', loadComponent: () => import('./pages/login/login-page').then((m) => m.LoginPage) },
  {
    path: '',
    pathMatch: 'full',
    title: 'Token refresh demo',
    canActivate: [authGuard],
    loadComponent: () => import('./pages/home/home-page').then((m) => m.HomePage),
  },
  { path: '**', redirectTo: '' },
];
