import { NgModule } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterModule, Routes } from '@angular/router';
import { authGuard } from 'angular-token-refresh';

import { HomePage, LoginPage } from './pages';

/** `/login` for everyone, `/` for signed-in users only. */
const routes: Routes = [
  { path: 'login', component: LoginPage },
  { path: '', pathMatch: 'full', canActivate: [authGuard], component: HomePage },
];

/** The routes, and the pages they show. */
@NgModule({
  declarations: [LoginPage, HomePage],
  imports: [FormsModule, RouterModule.forRoot(routes)],
  exports: [RouterModule],
})
export class AppRoutingModule {}
