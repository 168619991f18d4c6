from django.urls import path

from onewindow.licences import views

app_name = "licences"

urlpatterns = [
    path("", views.wallet, name="wallet"),
    path("verify/", views.verify_page, name="verify"),
    path("shared/<str:token>/", views.shared, name="shared"),
    path("<int:licence_id>/", views.detail, name="detail"),
    path("<int:licence_id>/show/", views.show, name="show"),
    path("<int:licence_id>/reveal/", views.reveal, name="reveal"),
    path("<int:licence_id>/pdf/", views.download, name="download"),
    path("<int:licence_id>/shares/<int:share_id>/revoke/", views.unshare, name="unshare"),
    path("use/<str:number>/", views.use_in_application, name="use"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:licence_id>/", views.manage_detail, name="manage_detail"),
    path("manage/<int:licence_id>/reveal/", views.manage_reveal, name="manage_reveal"),
    path("manage/issue/<str:number>/", views.issue_page, name="issue"),
    path("manage/import/", views.import_page, name="import"),
    path("manage/import/<int:job_id>/", views.import_job, name="import_job"),
]
